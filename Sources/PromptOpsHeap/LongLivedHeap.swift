#if canImport(Glibc)
import Glibc
#endif

/// A jemalloc arena of its own for what a controller keeps for as long as it runs.
///
/// A large pass allocates far more than it keeps (file bytes, YAML trees, SQL rows, a
/// template's parse before it is trimmed). In one arena, what it keeps lands in the free
/// slots between those temporaries, and when they are freed, each survivor pins the slab
/// (a page or a few) it sits in: a heap profile of the 10k + 10k controller measured 10 MB
/// of resident pages holding no live object, a quarter-full 48-byte class among them.
/// Allocating the kept objects in their own arena packs them densely, and the main arena's
/// slabs of temporaries empty completely and go back to the kernel.
///
/// Only synchronous work runs inside ``run(_:)``: the arena is the calling thread's, so an
/// `await` inside could move the rest of the work to a thread that does not use it. Where
/// jemalloc is not the process's allocator (tests, a build without it) it simply runs the
/// work.
public enum LongLivedHeap {
    /// The arena's index, created on first use; nil without jemalloc or when it refused.
    private static let arena: UInt32? = {
        guard let mallctl = Jemalloc.mallctl else { return nil }
        var index: UInt32 = 0
        var size = MemoryLayout<UInt32>.size
        guard mallctl("arenas.create", &index, &size, nil, 0) == 0 else { return nil }
        return index
    }()

    /// Runs `work` with the calling thread allocating from the long-lived arena, then puts
    /// the thread back on its own arena. The thread's cache of freed blocks is flushed on
    /// both switches, so neither side is served blocks of the other.
    public static func run<Result>(_ work: () throws -> Result) rethrows -> Result {
        guard let mallctl = Jemalloc.mallctl, var target = arena else { return try work() }
        var previous: UInt32 = 0
        var size = MemoryLayout<UInt32>.size
        guard mallctl("thread.arena", &previous, &size, &target, MemoryLayout<UInt32>.size) == 0 else { return try work() }
        _ = mallctl("thread.tcache.flush", nil, nil, nil, 0)
        defer {
            _ = mallctl("thread.tcache.flush", nil, nil, nil, 0)
            _ = mallctl("thread.arena", nil, nil, &previous, MemoryLayout<UInt32>.size)
        }
        return try work()
    }
}

/// jemalloc's control interface, shared by ``LongLivedHeap`` and ``HeapTrim``.
enum Jemalloc {
    typealias Mallctl = @convention(c) (UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?,
                                        UnsafeMutableRawPointer?, Int) -> Int32

    /// `mallctl`, when jemalloc is the process's allocator (the `promptops` executable links
    /// it; tests do not).
    static let mallctl: Mallctl? = {
        #if canImport(Glibc)
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallctl") else { return nil }
        return unsafeBitCast(symbol, to: Mallctl.self)
        #else
        return nil
        #endif
    }()
}
