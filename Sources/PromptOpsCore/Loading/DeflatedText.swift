import CZlib

/// A text kept deflated (zlib's raw deflate, with a preset dictionary of what canonical
/// template specs are made of): a controller keeps the canonical spec JSON of every template
/// of a repository between passes (``CompactTemplate``), and reads one back only when a
/// commit touches its namespace.
///
/// Measured on hack/bench/sync's templates (median 577 bytes of JSON): 210 bytes deflated
/// with the dictionary, 316 without. A text that does not get smaller is kept as it is.
struct DeflatedText: Sendable {
    /// Raw deflate of the text's UTF-8, or the UTF-8 itself when `isDeflated` is false.
    private let bytes: [UInt8]
    /// The text's length in UTF-8 bytes.
    private let count: Int32
    private let isDeflated: Bool

    /// The window: 4 KiB (zlib's default is 32). Specs are a few hundred bytes, and the
    /// compressor's state for a 32 KiB window is ~256 KiB to set up and clear per text.
    private static let windowBits: Int32 = 12
    private static let memoryLevel: Int32 = 4

    /// Keeps `text` deflated, or as it is when deflating does not make it smaller (or the
    /// text is longer than 2 GiB, which no manifest limit lets through).
    init(_ text: String) {
        let utf8 = Array(text.utf8)
        if utf8.count <= Int(Int32.max), let deflated = Self.deflate(utf8), deflated.count < utf8.count {
            bytes = deflated
            isDeflated = true
        } else {
            bytes = utf8
            isDeflated = false
        }
        count = Int32(clamping: text.utf8.count)
    }

    /// The text again; nil only if the kept bytes do not inflate (never for bytes this type wrote).
    var text: String? {
        guard isDeflated else { return String(decoding: bytes, as: UTF8.self) }
        let expected = Int(count)
        var ok = false
        let text = String(unsafeUninitializedCapacity: expected) { output in
            guard let written = Self.inflate(bytes, into: output) else { return 0 }
            ok = written == expected
            return written
        }
        return ok ? text : nil
    }

    /// The bytes kept (tests, measurements).
    var storedByteCount: Int { bytes.count }

    private static func deflate(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -windowBits, memoryLevel, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let dictionarySet = dictionary.withUnsafeBufferPointer {
            deflateSetDictionary(&stream, $0.baseAddress, UInt32($0.count)) == Z_OK
        }
        guard dictionarySet else { return nil }
        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let produced = input.withUnsafeBufferPointer { source -> Int? in
            output.withUnsafeMutableBufferPointer { target -> Int? in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                guard CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
                return Int(stream.total_out)
            }
        }
        guard let produced else { return nil }
        // Kept in an array of exactly its size (the bound is larger).
        return [UInt8](unsafeUninitializedCapacity: produced) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: output[..<produced])
        }
    }

    /// Inflates `input` into `output`; the number of bytes written, or nil when the input is
    /// not a complete raw deflate stream that fits.
    private static func inflate(_ input: [UInt8], into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        // A raw stream names no dictionary; it is set before inflating.
        let dictionarySet = dictionary.withUnsafeBufferPointer {
            inflateSetDictionary(&stream, $0.baseAddress, UInt32($0.count)) == Z_OK
        }
        guard dictionarySet else { return nil }
        return input.withUnsafeBufferPointer { source -> Int? in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            stream.next_out = output.baseAddress
            stream.avail_out = UInt32(output.count)
            guard CZlib.inflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
            return Int(stream.total_out)
        }
    }

    /// What canonical specs are made of (``CanonicalJSON`` sorts keys): the API's field
    /// names and common values (manifests/prompttemplate.schema.json), most frequent last
    /// (deflate reaches the end of the dictionary with the shortest distances). Changing it
    /// changes nothing stored: a controller deflates its templates again when it starts.
    private static let dictionary: [UInt8] = Array((
        "\"enum\":[\"maxLength\":\"minLength\":\"maximum\":\"minimum\":\"pattern\":\"format\":"
        + "{\"type\":\"number\"{\"type\":\"integer\"{\"type\":\"boolean\"\"default\":"
        + "\"type\":\"equals\",\"value\":\"\"type\":\"regex\",\"value\":\"\"type\":\"not-contains\",\"value\":\""
        + "\"tests\":[{\"assert\":[{\"type\":\"contains\",\"value\":\"\"}],\"name\":\"\"vars\":{"
        + "\"text\":\"\"role\":\"assistant\"}\"model\":{\"name\":\"\"parameters\":{\"maxTokens\":\"temperature\":"
        + ",\"provider\":\"openai\"},\"description\":\"\"messages\":[{\"content\":\"\",\"role\":\"system\"},{\"content\":\""
        + "\",\"role\":\"user\"}]{{/{{#{{> }}\\n"
        + "{\"description\":\"\"inputs\":{\"items\":{\"type\":\"object\",\"properties\":{{\"type\":\"array\","
        + ",\"required\":true}{\"type\":\"string\""
    ).utf8)
}
