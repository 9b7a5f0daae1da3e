// The live preview with an outline round each code, in its verdict's colour.
import AVFoundation
import SwiftUI
import UIKit

struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession
    let codes: [Outline]

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.previewLayer.session = session
        view.previewLayer.videoGravity = .resizeAspectFill
        return view
    }

    func updateUIView(_ view: PreviewView, context: Context) {
        view.show(codes)
    }

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var previewLayer: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }
        private var outlines: [CAShapeLayer] = []

        func show(_ codes: [Outline]) {
            outlines.forEach { $0.removeFromSuperlayer() }
            outlines = codes.map { code in
                // Sensor points to layer points: the layer knows the rotation and the crop.
                let points = code.corners.map { previewLayer.layerPointConverted(fromCaptureDevicePoint: $0) }
                let path = UIBezierPath()
                if let first = points.first {
                    path.move(to: first)
                    points.dropFirst().forEach { path.addLine(to: $0) }
                    path.close()
                }
                let shape = CAShapeLayer()
                shape.path = path.cgPath
                shape.fillColor = UIColor.clear.cgColor
                shape.strokeColor = UIColor(code.code.card.color).cgColor
                shape.lineWidth = 4
                previewLayer.addSublayer(shape)
                return shape
            }
        }
    }
}
