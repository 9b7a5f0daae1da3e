// The camera: AVCaptureVideoDataOutput in 420YpCbCr8BiPlanarFullRange, plane 0
// (luma) handed to the SDK with its bytesPerRow and no copy (the facade's
// scanLuma(pixelBuffer:)), on the capture queue.
import AVFoundation
import CoreGraphics
import Genuine

/// A code found in a frame: its verdict and its corners as capture-device
/// points (0...1, in the sensor's orientation), which the preview layer converts.
struct FoundCode: Equatable {
    let text: String
    let verdict: Verdict
    let corners: [CGPoint]

    /// Shoelace area: the biggest code is the one the shopper aims at.
    var area: CGFloat {
        guard corners.count > 2 else { return 0 }
        var sum: CGFloat = 0
        for i in corners.indices {
            let (a, b) = (corners[i], corners[(i + 1) % corners.count])
            sum += a.x * b.y - b.x * a.y
        }
        return abs(sum / 2)
    }
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
    private let verifier: Verifier
    private var device: AVCaptureDevice?
    /// Called on the capture queue with each frame's codes, or what failed.
    var onFrame: ((Result<[FoundCode], Error>) -> Void)?

    init(verifier: Verifier) {
        self.verifier = verifier
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
            let found = try verifier.scanLuma(pixelBuffer: pixelBuffer).map { code in
                FoundCode(
                    text: code.text,
                    verdict: try verifier.verify(text: code.text),
                    // The output is not rotated, so buffer pixels are sensor points.
                    corners: code.corners.map { CGPoint(x: CGFloat($0.x) / width, y: CGFloat($0.y) / height) })
            }
            onFrame?(.success(found))
        } catch {
            onFrame?(.failure(error))
        }
    }
}
