using System.Globalization;
using PaliGemma.AI;
using PaliGemma.Rendering;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>run --annotate</c>: parses the answer by the prompt's task and writes the annotated PNG. <c>detect …</c> draws
/// boxes and labels; <c>segment …</c> draws boxes, labels and masks (masks only when the model folder has a mask
/// decoder). Any other prompt writes the image unannotated (re-encoded as PNG) and says so on standard error, so a
/// script that always passes <c>--annotate</c> still gets a file.
/// </summary>
internal static class RunAnnotation
{
    /// <summary>Writes the annotated image.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="imagePath">The input image.</param>
    /// <param name="prompt">The prompt (decides how the answer is parsed).</param>
    /// <param name="answer">The generated text.</param>
    /// <param name="width">The original image width (after EXIF orientation).</param>
    /// <param name="height">The original image height.</param>
    /// <param name="maskDecoder">The folder's mask decoder, or null.</param>
    /// <param name="error">Where notes go.</param>
    public static void Write(string path, string imagePath, string prompt, string answer, int width, int height, MaskDecoder? maskDecoder, TextWriter error)
    {
        byte[] image = File.ReadAllBytes(imagePath);
        PaliGemmaTaskKind? kind = PaliGemmaTask.TryParse(prompt, out PaliGemmaTask? task) ? task.Kind : null;
        byte[] png;
        string note;
        switch (kind)
        {
            case PaliGemmaTaskKind.Detect:
                IReadOnlyList<DetectedObject> detections = PaliGemmaOutputParser.ParseDetections(answer, width, height);
                png = AnnotatedImageRenderer.Render(image, detections);
                note = string.Create(CultureInfo.InvariantCulture, $"{detections.Count} box(es)");
                break;
            case PaliGemmaTaskKind.Segment:
                IReadOnlyList<SegmentedObject> segments = PaliGemmaOutputParser.ParseSegments(answer, width, height);
                if (maskDecoder is not null && segments.Count > 0)
                {
                    segments = SegmentationMasks.Attach(segments, maskDecoder, width, height);
                }

                png = AnnotatedImageRenderer.Render(image, segments);
                int masks = segments.Count(s => s.Mask is not null);
                note = maskDecoder is null
                    ? string.Create(CultureInfo.InvariantCulture, $"{segments.Count} box(es), no masks: the model folder has no mask decoder (convert with --mask-decoder)")
                    : string.Create(CultureInfo.InvariantCulture, $"{segments.Count} box(es), {masks} mask(s)");
                break;
            default:
                png = AnnotatedImageRenderer.Render(image, Array.Empty<DetectedObject>());
                note = "nothing to draw: only 'detect …' and 'segment …' answers are annotated; the image was written unannotated";
                break;
        }

        File.WriteAllBytes(path, png);
        error.WriteLine($"annotated {path}: {note}");
    }
}
