import Foundation
import Logging
import PromptOpsCore
import PromptOpsStore

/// A swift-log handler that writes one JSON object per line to standard error:
/// `{"time":…,"level":…,"label":…,"message":…, metadata…}`, for log pipelines.
public struct JSONLogHandler: LogHandler {
    /// The logger label.
    public let label: String
    /// Minimum level written.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every record.
    public var metadata: Logger.Metadata = [:]

    /// Creates a handler.
    public init(label: String) {
        self.label = label
    }

    /// Per-key metadata access.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one record. Encoded with ``CanonicalJSON`` (keys sorted by their bytes):
    /// Foundation's `JSONSerialization` with sorted keys compares keys through a `Locale`,
    /// which loaded ICU's locale data into every controller (1.1 MiB of it resident, with
    /// the ICU code it runs) for its first log line.
    public func log(event: LogEvent) {
        var members: [String: TemplateValue] = [
            "time": .string(StoreTime.format(Date())),
            "level": .string(event.level.rawValue),
            "label": .string(label),
            "message": .string(event.message.description),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            members[key] = Self.plain(value)
        }
        var line = Array(CanonicalJSON.encode(TemplateValue.object(MustacheObject(members))).utf8)
        line.append(0x0A)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    static func plain(_ value: Logger.MetadataValue) -> TemplateValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let s): return .string(s.description)
        case .array(let a): return .array(a.map(plain))
        case .dictionary(let d): return .object(MustacheObject(d.mapValues(plain)))
        }
    }
}

/// Log output formats (`--log-format`).
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// Installs the process-wide log handler once.
public enum LoggingSetup {
    /// Bootstraps swift-log with `format` at `level`.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
