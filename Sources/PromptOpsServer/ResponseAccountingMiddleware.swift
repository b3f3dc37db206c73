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
            response = answer(for: error, request: request).response()
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
            logger.error("store failure while answering", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return .store(error)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "body_too_large", "the request body is too large")
        case let error as HTTPError where error.status == .notFound:
            return .noRoute(request.uri.path)
        case let error as any HTTPResponseError:
            return APIError(error.status, code: Self.code(for: error.status), "\(error)")
        default:
            logger.error("unexpected failure while answering", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIError(.internalServerError, code: "internal", "internal error: \(error)")
        }
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
