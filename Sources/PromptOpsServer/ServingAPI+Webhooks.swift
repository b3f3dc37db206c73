import Hummingbird
import NIOCore

extension ServingAPI {
    /// Largest webhook body accepted (controller-config.md).
    static let maxWebhookBytes = 1 << 20

    /// `POST /api/v1/webhooks/{source}`: checks the signature and asks the source for a fetch;
    /// the payload is never used as content. 202 triggered, 200 ignored (ping, other branch),
    /// 401 bad or missing signature, 404 unknown source or no webhook secret, 413 too large.
    func webhook(_ request: Request, _ context: Context) async throws -> Response {
        let source = context.pathParameter("source")
        let label = webhooks.knows(source) ? source : "unknown"
        func count(_ result: String) { metrics.increment("promptops_webhooks_total", labels: ["source": label, "result": result]) }
        guard let endpoint = webhooks.endpoint(source) else {
            count("not_found")
            throw APIError.notFound("source_not_found", "no source accepts webhooks under this name")
        }
        let body: ByteBuffer
        do {
            body = try await RequestBody.collect(request, limit: Self.maxWebhookBytes)
        } catch {
            if error.status == .contentTooLarge { count("too_large") }
            throw error
        }
        let bytes = Array(body.readableBytesView)
        guard WebhookSignature.isValid(request.headers, body: bytes, secret: endpoint.secret) else {
            count("unauthorized")
            throw APIError(.unauthorized, code: "bad_signature", "missing or wrong webhook signature")
        }
        if let reason = WebhookSignature.ignoreReason(request.headers, body: bytes, branch: endpoint.branch) {
            count("ignored")
            var writer = JSONWriter()
            writer.objectStart()
            writer.key("triggered"); writer.bool(false)
            writer.key("reason"); writer.string(reason)
            writer.objectEnd()
            return .json(writer)
        }
        endpoint.trigger()
        count("triggered")
        var writer = JSONWriter()
        writer.objectStart()
        writer.key("triggered"); writer.bool(true)
        writer.objectEnd()
        return .json(writer, status: .accepted)
    }
}
