#if canImport(Glibc)
/// glibc's `int malloc_trim(size_t pad)` (declared in `<malloc.h>`, which the Glibc module
/// does not import).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: UInt) -> Int32
#endif

/// Gives the memory a large pass freed back to the system. A first pass over a big
/// repository allocates (file bytes, YAML trees, SQL) far more than it keeps; glibc keeps
/// freed memory in its per-thread arenas, so without this the controller's resident size
/// would stay at the pass's peak for as long as it runs.
enum HeapTrim {
    /// Passes that read at least this many files are followed by a trim (a one-file pass
    /// frees too little to be worth the few milliseconds).
    static let minimumFilesRead = 200

    /// Returns free heap pages of every arena to the kernel.
    static func release() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}
