import Foundation
import Hummingbird

/// The request context of the API: Hummingbird's core storage plus what access control
/// learned about the caller.
public struct ServingContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The caller's token when tokens are configured (nil: open endpoint, or a route that
    /// needs none).
    var grant: AccessGrant?
    /// Whether the path's namespace is outside the caller's token: handlers then look up a
    /// name no namespace can have, so the answer (and the work done to reach it) is exactly
    /// that of a namespace that does not exist.
    var hidesNamespace = false

    /// Creates a context for one request.
    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// A path parameter the route pattern guarantees, percent-decoded (as query parameters
    /// are): `support%2Dreply` names `support-reply`.
    func pathParameter(_ name: String) -> String {
        let raw = parameters.get(name) ?? ""
        // A byte scan: `String.contains(String)` goes through Foundation's NSString search,
        // which a profile of resolve showed on every request.
        return raw.utf8.contains(UInt8(ascii: "%")) ? (raw.removingPercentEncoding ?? raw) : raw
    }

    /// A name that is never a namespace (namespaces are DNS labels).
    static let unseenNamespace = "\u{1}"

    /// The path's namespace: as written (for messages) and as looked up.
    var namespace: (shown: String, lookup: String) {
        let shown = pathParameter("ns")
        return (shown, hidesNamespace ? Self.unseenNamespace : shown)
    }
}
