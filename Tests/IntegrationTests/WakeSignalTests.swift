import Foundation
import PromptOpsController
import Testing

@Suite("Wake signal")
struct WakeSignalTests {
    @Test func aBurstLeavesOneQueuedWakeUp() async {
        let signal = WakeSignal()
        for _ in 0..<100 { signal.signal() }
        #expect(await signal.wait(timeout: .seconds(5)) == true)
        // The burst coalesced: nothing else is queued.
        #expect(await signal.wait(timeout: .milliseconds(50)) == false)
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(5)) == true)
    }
}

extension WakeSignalTests {
    @Test func aTimeoutDoesNotBreakLaterWaits() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        #expect(await signal.wait(timeout: .milliseconds(100)) == false)
        #expect(await signal.wait(timeout: .milliseconds(100)) == false)
        #expect(ContinuousClock.now - started >= .milliseconds(180), "waits must keep waiting after a timeout")
        Task { try? await Task.sleep(for: .milliseconds(50)); signal.signal() }
        #expect(await signal.wait(timeout: .seconds(5)) == true)
    }
}
