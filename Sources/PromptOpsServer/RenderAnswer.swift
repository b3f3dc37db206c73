import PromptOpsCore
import PromptOpsStore

/// The `render` answer: `{template, version, hash, variant, messages: [{role, content}]}`
/// for chat templates or `{template, version, hash, variant, text}` for text templates.
enum RenderAnswer {
    /// Renders `template` and encodes the answer in one go: each message's rendered bytes are
    /// escaped straight into the answer (making a `String` of each first, then escaping it,
    /// was a copy and a UTF-8 check per message: 3 % of a render's CPU in a profile).
    static func render(_ compiled: CompiledNamespace, template: String, values: MustacheObject, limits: RenderLimits,
                       version: VersionRef, variant: TrafficSplit.Variant) -> Result<JSONWriter, RenderError> {
        answer(template: template, version: version, variant: variant) { emit in
            compiled.render(template, values: values, limits: limits, emit: emit)
        }!
    }

    /// Renders like ``render(_:template:values:limits:version:variant:)`` from the values of
    /// object `variables` of `tape`, read where they lie; nil when the contract refuses them
    /// (see ``CompiledNamespace/render(_:tape:variables:limits:emit:)``).
    static func render(_ compiled: CompiledNamespace, template: String, tape: inout JSONTape, variables: Int, limits: RenderLimits,
                       version: VersionRef, variant: TrafficSplit.Variant) -> Result<JSONWriter, RenderError>? {
        answer(template: template, version: version, variant: variant) { emit in
            compiled.render(template, tape: &tape, variables: variables, limits: limits, emit: emit)
        }
    }

    /// The answer around what `render` emits; nil when it gives nil.
    private static func answer(
        template: String, version: VersionRef, variant: TrafficSplit.Variant,
        render: ((_ role: String?, _ content: UnsafeBufferPointer<UInt8>) -> Void) -> Result<CompiledNamespace.RenderedKind, RenderError>?
    ) -> Result<JSONWriter, RenderError>? {
        var json = JSONWriter(capacity: 4096)
        json.objectStart()
        json.member("template", template)
        json.member("version", version.version)
        json.member("hash", version.hash)
        json.member("variant", variant.rawValue)
        var opened = false
        let rendered = render { role, content in
            if let role {
                if !opened {
                    json.key("messages")
                    json.arrayStart()
                    opened = true
                }
                json.objectStart()
                json.member("role", role)
                json.key("content")
                json.string(utf8: content)
                json.objectEnd()
            } else {
                json.key("text")
                json.string(utf8: content)
            }
        }
        guard let kind = rendered else { return nil }
        switch kind {
        case .success(.messages):
            if !opened {
                json.key("messages")
                json.arrayStart()
            }
            json.arrayEnd()
        case .success(.text):
            break
        case .failure(let error):
            return .failure(error)
        }
        json.objectEnd()
        return .success(json)
    }
}
