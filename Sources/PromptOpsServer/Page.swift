import HTTPTypes
import Hummingbird

/// One page of a list answer: `?limit=N&cursor=C`. The cursor is the name of the last item of
/// the previous page (names are DNS labels, so it needs no escaping); items come in name
/// order, so a page is "the first `limit` names after the cursor" and stays right while
/// items are added or removed between requests. The answer keeps its shape (a JSON array) and
/// names the next page in a `Link: <…>; rel="next"` header (RFC 8288), as GitHub's API does.
struct Page: Sendable {
    /// Items per page when `limit` is absent.
    static let defaultLimit = 1_000
    /// The largest `limit` accepted.
    static let maximumLimit = 10_000

    /// Items on this page.
    var limit: Int
    /// Items come after this name; nil for the first page.
    var after: String?

    /// The page a request asks for; a malformed `limit` or `cursor` is a 400.
    init(_ request: Request) throws(APIError) {
        let query = request.uri.queryParameters
        limit = Int(try ServingAPI.integer(query["limit"], name: "limit", minimum: 1) ?? Int64(Self.defaultLimit))
        if limit > Self.maximumLimit {
            throw APIError.badRequest("invalid_parameter", "limit must be at most \(Self.maximumLimit), got \(limit)")
        }
        if let cursor = query["cursor"], !cursor.isEmpty {
            guard cursor.utf8.count <= 253, cursor.utf8.allSatisfy(Self.isCursorByte) else {
                throw APIError.badRequest("invalid_parameter", "cursor is not one this server gave out; use the Link header of the previous page")
            }
            after = String(cursor)
        }
    }

    /// Lower-case letters, digits, `-` and `.`: what names are made of.
    private static func isCursorByte(_ b: UInt8) -> Bool {
        (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D || b == 0x2E
    }

    /// Cuts `items` (sorted by `name`, already after the cursor, at most `limit + 1` of them)
    /// to this page; returns the page and the cursor of the next one, nil on the last page.
    func cut<T>(_ items: [T], name: (T) -> String) -> (items: ArraySlice<T>, next: String?) {
        guard items.count > limit else { return (items[...], nil) }
        return (items.prefix(limit), name(items[limit - 1]))
    }

    /// `Link: <path?…&cursor=next>; rel="next"` for `request`, other query parameters kept.
    static func link(to request: Request, replacing key: String = "cursor", with value: String) -> String {
        var parts = request.uri.queryParameters.filter { $0.key != Substring(key) }
            .map { "\($0.key)=\($0.value.addingPercentEncodingForQuery)" }
        parts.append("\(key)=\(value.addingPercentEncodingForQuery)")
        return "<\(request.uri.path)?\(parts.joined(separator: "&"))>; rel=\"next\""
    }
}

extension Response {
    /// This answer with a `Link` header to the next page when there is one.
    func linking(next: String?, from request: Request, key: String = "cursor") -> Response {
        guard let next else { return self }
        var copy = self
        copy.headers[.link] = Page.link(to: request, replacing: key, with: next)
        return copy
    }
}

extension HTTPField.Name {
    /// `Link` (RFC 8288).
    static let link = HTTPField.Name("Link")!
}

extension StringProtocol {
    /// Percent-encodes everything but unreserved characters (RFC 3986), for a query value.
    var addingPercentEncodingForQuery: String {
        var out = ""
        for b in utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(UnicodeScalar(b))
            default: out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
