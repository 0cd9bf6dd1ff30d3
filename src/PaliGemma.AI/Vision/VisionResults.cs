namespace PaliGemma.AI;

/// <summary>The result of <see cref="IPaliGemmaVision.DetectAsync"/>.</summary>
/// <param name="Objects">The objects found, in the order the model wrote them; boxes in original-image pixels.</param>
/// <param name="RawText">The model's text as generated (location tokens included).</param>
/// <param name="ImageWidth">The width of the original image in pixels.</param>
/// <param name="ImageHeight">The height of the original image in pixels.</param>
public sealed record DetectionResult(IReadOnlyList<DetectedObject> Objects, string RawText, int ImageWidth, int ImageHeight);

/// <summary>The result of <see cref="IPaliGemmaVision.SegmentAsync"/>.</summary>
/// <param name="Objects">The objects segmented, in order; boxes in original-image pixels, with their 16 mask codes.</param>
/// <param name="RawText">The model's text as generated (location and segmentation tokens included).</param>
/// <param name="ImageWidth">The width of the original image in pixels.</param>
/// <param name="ImageHeight">The height of the original image in pixels.</param>
public sealed record SegmentationResult(IReadOnlyList<SegmentedObject> Objects, string RawText, int ImageWidth, int ImageHeight);

/// <summary>The result of a caption, OCR or question-answering request.</summary>
/// <param name="Text">The answer cleaned by <see cref="PaliGemmaOutputParser.ParseText"/> (end markers and surrounding white space removed).</param>
/// <param name="RawText">The model's text as generated.</param>
public sealed record TextResult(string Text, string RawText);
