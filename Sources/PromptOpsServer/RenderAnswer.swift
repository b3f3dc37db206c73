import PromptOpsCore
import PromptOpsStore

/// The `render` answer: `{template, version, hash, variant, messages: [{role, content}]}`
/// for chat templates or `{template, version, hash, variant, text}` for text templates.
enum RenderAnswer {
    /// Encodes a rendered prompt.
    static func write(_ prompt: RenderedPrompt, template: String, version: VersionRef, variant: TrafficSplit.Variant) -> JSONWriter {
        var json = JSONWriter(capacity: 1024)
        json.objectStart()
        json.member("template", template)
        json.member("version", version.version)
        json.member("hash", version.hash)
        json.member("variant", variant.rawValue)
        switch prompt {
        case .messages(let messages):
            json.key("messages")
            json.arrayStart()
            for m in messages {
                json.objectStart()
                json.member("role", m.role)
                json.member("content", m.content)
                json.objectEnd()
            }
            json.arrayEnd()
        case .text(let text):
            json.member("text", text)
        }
        json.objectEnd()
        return json
    }
}
