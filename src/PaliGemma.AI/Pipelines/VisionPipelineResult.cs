namespace PaliGemma.AI;

/// <summary>The text answer of a caption, OCR or answer step.</summary>
/// <param name="Step">The step's prompt, for example <c>caption en</c>.</param>
/// <param name="Text">The answer.</param>
public sealed record VisionAnswer(string Step, string Text);

/// <summary>An object found by a detect or segment step, with the answers of its follow-ups.</summary>
/// <param name="Label">The label the model gave.</param>
/// <param name="Box">The box in pixels of the original image.</param>
/// <param name="Step">The prompt of the step that found it, for example <c>detect cat ; dog</c>.</param>
/// <param name="Mask">The mask in pixels of the original image (segment steps with a mask decoder), else <see langword="null"/>.</param>
/// <param name="Crop">The region of the original image the follow-ups saw (the box, padded and clipped; integer pixels),
/// or <see langword="null"/> when there were no follow-ups or the box was empty.</param>
/// <param name="FollowUps">The answers of the per-object follow-up steps on the crop, in the order they were declared.</param>
public sealed record VisionObject(string Label, BoundingBox Box, string Step, SegmentationMask? Mask, BoundingBox? Crop, IReadOnlyList<VisionAnswer> FollowUps);

/// <summary>The result tree of a <see cref="VisionPipeline"/> on one image.</summary>
/// <param name="ImageWidth">The original image's width in pixels.</param>
/// <param name="ImageHeight">The original image's height in pixels.</param>
/// <param name="Answers">The whole-image text answers (caption, OCR, answer steps), in step order.</param>
/// <param name="Objects">The objects of the detect and segment steps, in step order then model order.</param>
public sealed record VisionPipelineResult(int ImageWidth, int ImageHeight, IReadOnlyList<VisionAnswer> Answers, IReadOnlyList<VisionObject> Objects);
