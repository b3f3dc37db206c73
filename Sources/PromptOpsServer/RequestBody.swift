import Hummingbird
import NIOCore

/// Reads a request body up to a limit. A body over the limit is read on and thrown away up
/// to ``discardLimit`` before the 413 goes out (with `Connection: close`): many clients
/// (Python's urllib, curl without `Expect`) write the whole body before reading anything, and
/// a server that stops reading leaves them blocked on a full socket until their own timeout,
/// then shows them a broken pipe instead of the answer. Read whole, the connection stays
/// usable; a body above ``discardLimit`` is not read on: the answer closes the connection.
enum RequestBody {
    /// Bytes read and thrown away, at most, to deliver a 413.
    static let discardLimit = 64 << 20

    /// The body, or a 413 `body_too_large` once the whole (bounded) body was read.
    static func collect(_ request: Request, limit: Int) async throws(APIError) -> ByteBuffer {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        var tooLarge = APIError.bodyTooLarge(limit: limit)
        if let declared, declared > discardLimit {
            tooLarge.closesConnection = true
            throw tooLarge
        }
        var buffer = ByteBuffer()
        var seen = 0
        do {
            for try await chunk in request.body {
                seen += chunk.readableBytes
                if seen > limit {
                    if seen > discardLimit {
                        tooLarge.closesConnection = true
                        break
                    }
                    continue
                }
                buffer.writeImmutableBuffer(chunk)
            }
        } catch {
            throw APIError(.badRequest, code: "body_unreadable", "the request body could not be read")
        }
        if seen > limit { throw tooLarge }
        return buffer
    }
}
