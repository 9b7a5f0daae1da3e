// A small facade over the generated bindings (Generated/GenuineFFI.swift):
// the camera hand-off from AVFoundation, with no copy of the luma plane, for
// `Verifier.scanLuma` and `ScanSession.scanFrame`.
import CoreVideo
import Foundation

/// Plane 0 (luma) of a pixel buffer, locked for `body` and read in place.
private func withLumaPlane<T>(
    _ pixelBuffer: CVPixelBuffer, _ body: (Data, Int32, Int32, Int32) throws -> T
) rethrows -> T? {
    CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly)
    defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
    guard CVPixelBufferGetPlaneCount(pixelBuffer) >= 1,
          let base = CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, 0)
    else { return nil }
    let width = CVPixelBufferGetWidthOfPlane(pixelBuffer, 0)
    let height = CVPixelBufferGetHeightOfPlane(pixelBuffer, 0)
    let stride = CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, 0)
    // Wrap the locked plane without copying; it must not outlive the lock.
    let plane = Data(bytesNoCopy: base, count: stride * height, deallocator: .none)
    return try body(plane, Int32(clamping: width), Int32(clamping: height), Int32(clamping: stride))
}

public extension ScanSession {
    /// One camera frame through the session: every code with its verdict and
    /// card, and what changed on screen. Call it on the capture queue.
    func scanFrame(pixelBuffer: CVPixelBuffer, nowMillis: Int64) throws -> FrameReport {
        try withLumaPlane(pixelBuffer) { plane, width, height, stride in
            try scanFrame(buffer: plane, width: width, height: height, rowStride: stride, nowMillis: nowMillis)
        } ?? FrameReport(codes: [], cardChanged: false, historyChanged: false)
    }
}

public extension Verifier {
    /// Scans plane 0 (luma) of a `420YpCbCr8BiPlanar{Full,Video}Range` pixel buffer,
    /// as `AVCaptureVideoDataOutput` delivers it, using `bytesPerRow` as the stride.
    /// Call it on the capture queue; the buffer is read in place.
    func scanLuma(pixelBuffer: CVPixelBuffer) throws -> [ScanResult] {
        try withLumaPlane(pixelBuffer) { plane, width, height, stride in
            try scanLuma(buffer: plane, width: width, height: height, rowStride: stride)
        } ?? []
    }

    /// Opens a verifier from an anchor file's text (`threshold N` / `key HEX` lines),
    /// read by the library's own parser. `sync()` moves its bytes through
    /// `transport`: URLSession by default (ATS, the system proxy), or the app's own.
    static func open(
        dbPath: String, anchorText: String, feedUrl: String?,
        requestTimeoutSeconds: Int32 = 0,
        transport: HttpTransport = URLSessionTransport()
    ) throws -> Verifier {
        let roots = try parseAnchor(text: anchorText)
        let config = VerifierConfig(
            dbPath: dbPath, rootKeys: roots.rootKeys, rootThreshold: roots.rootThreshold,
            feedUrl: feedUrl, requestTimeoutSeconds: requestTimeoutSeconds)
        return try Verifier.open(config: config, transport: transport)
    }

    /// What the verifier trusts, now and after every change (a sync that
    /// brought news, a bundle import). Ends when the consuming task ends.
    func statusUpdates() -> AsyncStream<TrustStatus> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let handle = addStatusListener(listener: StatusRelay(continuation))
            if let now = try? status() { continuation.yield(now) }
            continuation.onTermination = { [weak self] _ in self?.removeStatusListener(handle: handle) }
        }
    }

    /// `sync()` that a Swift `Task` cancel stops: uniffi's Swift futures
    /// cannot be cancelled themselves, so the cancellation handler asks the
    /// library to cancel the syncs in flight (the transport sees the request's
    /// `CancelSignal` and stops; nothing is written).
    func syncCancellable() async throws -> SyncReport {
        try await withTaskCancellationHandler {
            try await sync()
        } onCancel: {
            cancelSync()
        }
    }
}

/// Hands the library's status callbacks to an `AsyncStream`.
private final class StatusRelay: StatusListener, @unchecked Sendable {
    private let continuation: AsyncStream<TrustStatus>.Continuation

    init(_ continuation: AsyncStream<TrustStatus>.Continuation) {
        self.continuation = continuation
    }

    func onStatus(status: TrustStatus) {
        continuation.yield(status)
    }
}

/// The SDK's errors in words ("could not fetch the feed: ... (try again
/// later)"), not the generated `String(reflecting:)` of the case.
extension GenuineError: LocalizedError {
    public var errorDescription: String? { description }
}
