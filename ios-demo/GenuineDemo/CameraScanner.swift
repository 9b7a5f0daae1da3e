// The camera: AVCaptureVideoDataOutput in 420YpCbCr8BiPlanarFullRange, plane 0
// (luma) handed to the SDK's scan session with its bytesPerRow and no copy
// (the facade's scanFrame(pixelBuffer:nowMillis:)), on the capture queue.
import AVFoundation
import CoreGraphics
import Foundation
import Genuine

/// A code in the current frame, with its corners as capture-device points
/// (0...1, in the sensor's orientation), which the preview layer converts.
struct Outline: Equatable {
    let code: ScannedVerdict
    let corners: [CGPoint]

    static func == (a: Outline, b: Outline) -> Bool { a.code.text == b.code.text && a.corners == b.corners }
}

enum CameraError: LocalizedError {
    case noCamera
    case notAllowed

    var errorDescription: String? {
        switch self {
        case .noCamera: return "This device has no back camera."
        case .notAllowed: return "Genuine needs the camera to read the code on a product. Allow it in Settings."
        }
    }
}

final class CameraScanner: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate {
    let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "dev.genuine.demo.capture")
    private let scanSession: ScanSession
    private var device: AVCaptureDevice?
    /// Called on the capture queue with each frame's report and outlines, or what failed.
    var onFrame: ((Result<(FrameReport, [Outline]), Error>) -> Void)?

    init(scanSession: ScanSession) {
        self.scanSession = scanSession
    }

    /// Asks for the camera if needed, then sets the session up.
    func configure() async throws {
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized: break
        case .notDetermined:
            guard await AVCaptureDevice.requestAccess(for: .video) else { throw CameraError.notAllowed }
        default: throw CameraError.notAllowed
        }
        guard let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back) else {
            throw CameraError.noCamera
        }
        self.device = device
        let input = try AVCaptureDeviceInput(device: device)
        let output = AVCaptureVideoDataOutput()
        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarFullRange]
        // Keep only the latest frame: a slow scan never queues up latency.
        output.alwaysDiscardsLateVideoFrames = true
        output.setSampleBufferDelegate(self, queue: queue)

        session.beginConfiguration()
        // 1080p: small printed codes resolve at arm's length; larger frames only cost time.
        if session.canSetSessionPreset(.hd1920x1080) { session.sessionPreset = .hd1920x1080 }
        if session.canAddInput(input) { session.addInput(input) }
        if session.canAddOutput(output) { session.addOutput(output) }
        session.commitConfiguration()

        try device.lockForConfiguration()
        if device.isAutoFocusRangeRestrictionSupported { device.autoFocusRangeRestriction = .near }
        if device.isFocusModeSupported(.continuousAutoFocus) { device.focusMode = .continuousAutoFocus }
        device.unlockForConfiguration()
    }

    func start() {
        queue.async { [session] in if !session.isRunning { session.startRunning() } }
    }

    func stop() {
        queue.async { [session] in if session.isRunning { session.stopRunning() } }
    }

    func setTorch(_ on: Bool) {
        guard let device, device.hasTorch, (try? device.lockForConfiguration()) != nil else { return }
        device.torchMode = on ? .on : .off
        device.unlockForConfiguration()
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
        guard let pixelBuffer = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        let width = CGFloat(CVPixelBufferGetWidthOfPlane(pixelBuffer, 0))
        let height = CGFloat(CVPixelBufferGetHeightOfPlane(pixelBuffer, 0))
        do {
            // Wall-clock milliseconds: the history shows when each code was seen.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let report = try scanSession.scanFrame(pixelBuffer: pixelBuffer, nowMillis: now)
            let outlines = report.codes.map { code in
                // The output is not rotated, so buffer pixels are sensor points.
                Outline(code: code, corners: code.corners.map { CGPoint(x: CGFloat($0.x) / width, y: CGFloat($0.y) / height) })
            }
            onFrame?(.success((report, outlines)))
        } catch {
            onFrame?(.failure(error))
        }
    }
}
