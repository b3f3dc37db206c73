import Hummingbird
import Logging
import NIOCore
import PromptOpsStore

/// Wraps every route: turns any error into the contract's JSON error answer and counts
/// every answer in `promptops_http_requests_total` under its route pattern.
struct ResponseAccountingMiddleware: RouterMiddleware {
    typealias Context = ServingContext

    let metrics: ServerMetrics
    let logger: Logger

    /// The route label of requests no route matched (one series, whatever the path).
    static let unmatchedRoute = "unmatched"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            var apiError = answer(for: error, request: request)
            var requestID: String?
            if let detail = apiError.detail {
                // The details stay in the log under an id the client can quote.
                let id = Self.requestID()
                requestID = id
                logger.error("request failed", metadata: ["requestId": "\(id)", "path": "\(request.uri.path)", "code": "\(apiError.code)",
                                                          "error": "\(detail)"])
                apiError.message += " (request id \(id))"
            }
            // A person in a browser gets a page; a client of the API, the JSON error.
            var answered = AccessMiddleware.isDashboard(request.uri.path) ? ServingAPI.errorPage(apiError) : apiError.response()
            if let requestID { answered.headers[.init("X-Request-Id")!] = requestID }
            response = answered
        }
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? Self.unmatchedRoute
        metrics.recordRequest(route: route, method: request.method.rawValue, status: Int(response.status.code))
        return response
    }

    /// The API error an error thrown below stands for.
    private func answer(for error: any Error, request: Request) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as StoreError:
            return .store(error)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "body_too_large", "the request body is too large")
        case let error as HTTPError where error.status == .notFound:
            // A method no route registers (QUERY, PROPFIND, …) on a path that exists is a 405.
            if let allowed = ServingAPI.Path.allowedMethod(for: request.uri.path), allowed != request.method {
                return .methodNotAllowed(request.method, path: request.uri.path, allowed: [allowed])
            }
            return .noRoute(request.uri.path)
        case let error as any HTTPResponseError:
            return APIError(error.status, code: Self.code(for: error.status), "\(error)")
        default:
            return .internal(error)
        }
    }

    /// 16 hex digits, random: unique enough to find one request in the log.
    static func requestID() -> String {
        let value = UInt64.random(in: 1...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 413: return "body_too_large"
        case 503: return "unavailable"
        default: return "http_\(status.code)"
        }
    }
}
