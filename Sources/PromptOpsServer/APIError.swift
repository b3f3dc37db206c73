import Hummingbird
import PromptOpsCore
import PromptOpsStore

/// An error answer of the HTTP API, as data: the status, a stable code clients can branch
/// on, and a message a person can act on. Rendered as `{"error": {"code", "message"}}`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable snake_case code (`invalid_variables`, `deployment_not_found`, ...).
    public var code: String
    /// A sentence naming what is wrong.
    public var message: String
    /// For 405: the methods the path accepts (sent as `Allow`).
    public var allowed: [HTTPRequest.Method]
    /// For `invalid_variables`: each input that breaks the template's contract.
    public var violations: [ContractViolation]
    /// What went wrong inside, for the log only (never sent: it may name files, SQL or
    /// paths). Set on 5xx answers; the client gets a request id to quote instead.
    public var detail: String?
    /// The answer closes the connection (`Connection: close`): a request body was left unread.
    var closesConnection = false

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, _ message: String, allowed: [HTTPRequest.Method] = [],
                violations: [ContractViolation] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.allowed = allowed
        self.violations = violations
    }

    /// `status code: message`.
    public var description: String { "\(status.code) \(code): \(message)" }

    /// 400 for input that cannot be used.
    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code: code, message) }
    /// 404 for an object that does not exist.
    static func notFound(_ code: String, _ message: String) -> APIError { APIError(.notFound, code: code, message) }

    /// No token, or an unknown one (answered with `WWW-Authenticate: Bearer`).
    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, code: "unauthorized", message) }

    /// A known token without the scope the route needs.
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message) }

    /// No route has this path.
    static func noRoute(_ path: String) -> APIError { .notFound("not_found", "no route \(path)") }

    /// The path exists but not with this method.
    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, code: "method_not_allowed", "\(method.rawValue) is not allowed on \(path) (allowed: \(list))",
                        allowed: allowed)
    }

    /// A request body over the limit.
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "body_too_large", "the request body is larger than \(limit) bytes")
    }

    /// A store failure: 503 when it may pass (busy), else 500. The store's own words go to
    /// the log only.
    static func store(_ error: StoreError) -> APIError {
        var answer: APIError
        switch error.code {
        case .busy, .open, .io:
            answer = APIError(.serviceUnavailable, code: "store_unavailable", "the serving store cannot answer now; retry")
        default:
            answer = APIError(.internalServerError, code: "store_error", "the serving store failed")
        }
        answer.detail = error.description
        return answer
    }

    /// Any other failure: a generic 500, the error kept for the log.
    static func `internal`(_ error: any Error) -> APIError {
        var answer = APIError(.internalServerError, code: "internal", "internal error")
        answer.detail = "\(error)"
        return answer
    }

    /// The JSON answer.
    func response() -> Response {
        var json = JSONWriter(capacity: 64 + message.utf8.count)
        json.objectStart()
        json.key("error")
        json.objectStart()
        json.member("code", code)
        json.member("message", message)
        if !violations.isEmpty {
            json.key("violations")
            json.arrayStart()
            for v in violations {
                json.objectStart()
                json.member("input", v.input)
                json.member("message", v.message)
                json.objectEnd()
            }
            json.arrayEnd()
        }
        json.objectEnd()
        json.objectEnd()
        var response = Response.json(json, status: status)
        if !allowed.isEmpty {
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        }
        if status == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer realm=\"promptops\""
        }
        if closesConnection {
            response.headers[.connection] = "close"
        }
        return response
    }
}

extension Response {
    /// A JSON answer from written bytes.
    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
        json(bytes: writer.bytes, status: status)
    }

    /// A JSON answer from bytes that are already JSON.
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A JSON answer from a buffer that is already JSON (shared, not copied).
    static func json(buffer: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: buffer))
    }

    /// A plain-text answer.
    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
