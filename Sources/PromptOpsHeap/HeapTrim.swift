#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory a large pass freed back to the system. A first pass over a big
/// repository allocates (file bytes, YAML trees, typed templates, SQL) far more than it
/// keeps, and an allocator keeps freed memory for reuse; without this the controller's
/// resident size would stay at the pass's peak for as long as it runs.
///
/// The `promptops` executable links jemalloc (size-class slabs keep the small objects a
/// controller holds from pinning pages of freed memory), and this asks it to purge every
/// arena now rather than over the next seconds. Elsewhere (tests, a build without it)
/// glibc's `malloc_trim` does the same, less thoroughly.
public enum HeapTrim {
    /// Returns free heap pages of every arena to the kernel.
    public static func release() {
        if let mallctl = Jemalloc.mallctl {
            // MALLCTL_ARENAS_ALL (4096): every arena.
            _ = mallctl("arena.4096.purge", nil, nil, nil, 0)
            return
        }
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if canImport(Glibc)
/// glibc's `int malloc_trim(size_t pad)` (declared in `<malloc.h>`, which the Glibc module
/// does not import).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: UInt) -> Int32
#endif
