// Camera on top with outlines and the verdict card; history below, pull to sync.
import SwiftUI

extension Tone {
    var color: Color { Color(red: rgb.red, green: rgb.green, blue: rgb.blue) }
}

struct ScannerView: View {
    @ObservedObject var model: GenuineModel

    var body: some View {
        VStack(spacing: 0) {
            ZStack(alignment: .bottom) {
                camera
                if let scan = model.card {
                    VerdictCard(text: scan.card) { model.card = nil }
                        .padding(12)
                }
            }
            .overlay(alignment: .topTrailing) {
                Button(model.torchOn ? "Torch off" : "Torch on") { model.torchOn.toggle() }
                    .buttonStyle(.borderedProminent)
                    .padding(12)
            }
            .frame(maxHeight: .infinity)
            .layoutPriority(1.3)

            Text(model.statusLine)
                .font(.footnote)
                .frame(maxWidth: .infinity, alignment: .leading)
                .padding(.horizontal, 16)
                .padding(.vertical, 8)
            Divider()
            List {
                if model.history.isEmpty {
                    Text("Scanned codes appear here. Pull down to update keys and recall lists.")
                }
                ForEach(model.history) { scan in
                    HistoryRow(scan: scan).contentShape(Rectangle()).onTapGesture { model.card = scan }
                }
            }
            .listStyle(.plain)
            .refreshable { await model.refresh() }
            .frame(maxHeight: .infinity)
        }
    }

    @ViewBuilder private var camera: some View {
        switch model.setup {
        case .opening:
            ProgressView("Opening…").frame(maxWidth: .infinity, maxHeight: .infinity)
        case let .failed(message):
            Text(message).padding(24).frame(maxWidth: .infinity, maxHeight: .infinity)
        case let .ready(_, scanner):
            CameraPreview(session: scanner.session, codes: model.codes)
                .ignoresSafeArea(edges: .top)
        }
    }
}

struct VerdictCard: View {
    let text: VerdictText
    let onClose: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            HStack {
                Text(text.title).font(.title2.bold())
                Spacer()
                Button("Close", action: onClose).foregroundStyle(.white)
            }
            Text(text.explanation).font(.body)
            Text(text.nextStep).font(.callout.weight(.semibold))
            ForEach(text.details, id: \.self) { detail in
                HStack(alignment: .top) {
                    Text(detail.label).frame(width: 120, alignment: .leading)
                    Text(detail.value)
                }
                .font(.caption)
            }
            ForEach(text.notes, id: \.self) { Text($0).font(.caption) }
        }
        .foregroundStyle(.white)
        .padding(16)
        .background(text.tone.color, in: RoundedRectangle(cornerRadius: 16))
        .accessibilityElement(children: .combine)
    }
}

struct HistoryRow: View {
    let scan: Scan

    var body: some View {
        HStack(spacing: 12) {
            Circle().fill(scan.card.tone.color).frame(width: 12, height: 12)
            VStack(alignment: .leading) {
                Text(scan.card.title).fontWeight(.semibold)
                Text(scan.card.details.isEmpty ? scan.text : scan.card.details.map(\.value).joined(separator: " · "))
                    .font(.caption)
                    .lineLimit(1)
            }
            Spacer()
            Text(scan.at, style: .time).font(.caption)
        }
    }
}
