namespace PaliGemma.AI;

/// <summary>An object PaliGemma found for a <c>detect</c> prompt.</summary>
/// <param name="Label">The label the model wrote after the location tokens (trimmed; may be empty).</param>
/// <param name="Box">The box in pixel coordinates of the original image.</param>
public sealed record DetectedObject(string Label, BoundingBox Box);
