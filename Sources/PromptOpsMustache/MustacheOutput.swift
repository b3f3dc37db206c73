/// The byte buffer a render pass writes into: a growable allocation that appends
/// UTF-8 with `memcpy` and makes the `String` once, at the end. Non-copyable, so
/// the allocation has exactly one owner and is freed in `deinit`.
struct MustacheOutput: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    /// Bytes written so far.
    var byteCount: Int { count }

    /// Creates an empty buffer with room for `capacity` bytes.
    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.update(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Appends raw UTF-8.
    @inline(__always)
    mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        reserve(buffer.count)
        (storage + count).update(from: base, count: buffer.count)
        count += buffer.count
    }

    /// Appends one byte.
    @inline(__always)
    mutating func append(byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    /// Appends `count` bytes of `source` starting at `start`.
    @inline(__always)
    mutating func append(_ source: [UInt8], start: Int, count: Int) {
        source.withUnsafeBufferPointer { all in
            append(UnsafeBufferPointer(rebasing: all[start..<(start + count)]))
        }
    }

    /// Appends the UTF-8 of `text`, HTML-escaped when `escaped`.
    mutating func append(_ text: String, escaped: Bool) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            if escaped { appendHTMLEscaped(utf8) } else { append(utf8) }
        }
        if done == nil {
            let copy = Array(text.utf8)
            copy.withUnsafeBufferPointer { utf8 in
                if escaped { appendHTMLEscaped(utf8) } else { append(utf8) }
            }
        }
    }

    /// Appends an integer in decimal without creating a `String`.
    mutating func append(_ number: Int) {
        if number >= 0 && number < 10 {
            append(byte: UInt8(ascii: "0") &+ UInt8(number))
            return
        }
        reserve(20)
        var magnitude = number.magnitude
        var digits = 0
        var scan = magnitude
        repeat { digits += 1; scan /= 10 } while scan > 0
        if number < 0 {
            storage[count] = UInt8(ascii: "-")
            count += 1
        }
        var position = count + digits
        repeat {
            position -= 1
            storage[position] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count += digits
    }

    /// Appends `utf8`, replacing `&`, `<`, `>`, `"` and `'` with HTML entities.
    /// Clean runs are copied in bulk.
    mutating func appendHTMLEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var index = 0
        while index < utf8.count {
            let entity: StaticString
            switch utf8[index] {
            case UInt8(ascii: "&"): entity = "&amp;"
            case UInt8(ascii: "<"): entity = "&lt;"
            case UInt8(ascii: ">"): entity = "&gt;"
            case UInt8(ascii: "\""): entity = "&quot;"
            case UInt8(ascii: "'"): entity = "&#39;"
            default:
                index += 1
                continue
            }
            append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            append(UnsafeBufferPointer(start: entity.utf8Start, count: entity.utf8CodeUnitCount))
            index += 1
            runStart = index
        }
        append(UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
    }

    /// The rendered bytes, for the duration of `body`.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: storage, count: count))
    }

    /// The rendered text (the bytes are valid UTF-8: concatenated `String` contents).
    func makeString() -> String {
        String(decoding: UnsafeBufferPointer(start: storage, count: count), as: UTF8.self)
    }
}
