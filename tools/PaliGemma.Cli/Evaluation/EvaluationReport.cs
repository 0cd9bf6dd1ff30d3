using System.Text.Json.Serialization;

namespace PaliGemma.Cli.Evaluation;

/// <summary>Detection figures of one class (see <see cref="DetectionScorer"/>).</summary>
/// <param name="Name">The class name.</param>
/// <param name="GroundTruth">Ground-truth objects of the class.</param>
/// <param name="Predictions">Predictions labelled with the class.</param>
/// <param name="Matched">Predictions matched with IoU ≥ 0.5 (true positives).</param>
/// <param name="Precision">Matched / predictions (0 with none).</param>
/// <param name="Recall">Matched / ground truth (0 with none).</param>
/// <param name="AveragePrecision">Precision × recall: the area under a one-point precision–recall curve (all scores tied).</param>
internal sealed record ClassDetectionMetrics(string Name, int GroundTruth, int Predictions, int Matched, double Precision, double Recall, double AveragePrecision);

/// <summary>Detection figures over all scenes (see <see cref="DetectionScorer"/>).</summary>
/// <param name="MeanAveragePrecision">mAP@0.5: mean <see cref="ClassDetectionMetrics.AveragePrecision"/> over classes with ground truth.</param>
/// <param name="Precision">All matched / all predictions (labels that are no class included).</param>
/// <param name="Recall">All matched / all ground-truth objects.</param>
/// <param name="MeanMatchedIoU">The mean box IoU of the matched pairs (0 when none matched).</param>
/// <param name="GroundTruth">Ground-truth objects.</param>
/// <param name="Predictions">Predicted boxes, all labels.</param>
/// <param name="OtherLabelPredictions">Predicted boxes whose label is no class name.</param>
/// <param name="Matched">Matched pairs.</param>
/// <param name="Classes">Per class, in class order.</param>
internal sealed record DetectionMetrics(
    double MeanAveragePrecision,
    double Precision,
    double Recall,
    double MeanMatchedIoU,
    int GroundTruth,
    int Predictions,
    int OtherLabelPredictions,
    int Matched,
    IReadOnlyList<ClassDetectionMetrics> Classes);

/// <summary>Mask figures (see <see cref="MaskScorer"/>).</summary>
/// <param name="MeanIoU">mIoU over ground-truth objects (0 with none).</param>
/// <param name="Objects">Ground-truth objects scored.</param>
/// <param name="Requests"><c>segment {shape}</c> requests sent.</param>
/// <param name="Predictions">Segmented objects returned.</param>
/// <param name="DecodedMasks">Segmented objects that came with a decoded mask.</param>
/// <param name="Classes">Per class asked for, in ordinal name order.</param>
internal sealed record MaskMetrics(double MeanIoU, int Objects, int Requests, int Predictions, int DecodedMasks, IReadOnlyList<ClassMaskMetrics> Classes);

/// <summary>Mask figures of one class (see <see cref="MaskScorer"/>).</summary>
/// <param name="Name">The class asked for.</param>
/// <param name="Objects">Ground-truth objects of the class.</param>
/// <param name="MeanIoU">Their mean mask IoU (0 for a missed object).</param>
/// <param name="AtLeastHalf">Those with mask IoU ≥ <see cref="MaskScorer.HalfIoU"/>.</param>
internal sealed record ClassMaskMetrics(string Name, int Objects, double MeanIoU, int AtLeastHalf);

/// <summary>An exact-match rate.</summary>
/// <param name="ExactMatch">Matched / total (0 with none).</param>
/// <param name="Matched">Exact answers.</param>
/// <param name="Total">Answers scored.</param>
internal sealed record ExactMatchMetrics(double ExactMatch, int Matched, int Total);

/// <summary>OCR figures (see <see cref="OcrScorer"/>).</summary>
/// <param name="CharacterAccuracy">Mean character accuracy over scenes with text (0 with none).</param>
/// <param name="ExactMatch">Exact readings / scenes with text (0 with none).</param>
/// <param name="Matched">Exact readings.</param>
/// <param name="Total">Scenes with text.</param>
internal sealed record OcrMetrics(double CharacterAccuracy, double ExactMatch, int Matched, int Total);

/// <summary>Wall-clock seconds spent in each kind of request.</summary>
/// <param name="Detection"><c>detect</c> requests.</param>
/// <param name="Segmentation"><c>segment</c> requests (mask decoding included).</param>
/// <param name="Caption"><c>caption en</c> requests.</param>
/// <param name="Ocr"><c>ocr</c> requests.</param>
/// <param name="Counting"><c>answer en how many …?</c> requests.</param>
internal sealed record TaskSeconds(double Detection, double Segmentation, double Caption, double Ocr, double Counting);

/// <summary>Everything <c>paligemma eval</c> measured.</summary>
/// <param name="Model">The model folder.</param>
/// <param name="SceneSet">The <c>scenes.jsonl</c> file.</param>
/// <param name="Scenes">Scenes evaluated.</param>
/// <param name="ScenesWithMasks">Scenes whose record named a mask file (only these count for <see cref="Masks"/>).</param>
/// <param name="MaxTokens">The token limit of each request.</param>
/// <param name="Detection">Detection mAP@0.5 and friends.</param>
/// <param name="Masks">Mask mIoU.</param>
/// <param name="Caption">Caption exact match.</param>
/// <param name="Ocr">OCR character accuracy.</param>
/// <param name="Counting">Counting exact match (five questions per scene).</param>
/// <param name="Seconds">Total wall-clock seconds of the evaluation (model loading excluded).</param>
/// <param name="TaskSeconds">Seconds per kind of request.</param>
internal sealed record EvaluationReport(
    string Model,
    string SceneSet,
    int Scenes,
    int ScenesWithMasks,
    int MaxTokens,
    DetectionMetrics Detection,
    MaskMetrics Masks,
    ExactMatchMetrics Caption,
    OcrMetrics Ocr,
    ExactMatchMetrics Counting,
    double Seconds,
    TaskSeconds TaskSeconds);

/// <summary>Source-generated JSON for <see cref="EvaluationReport"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EvaluationReport))]
internal sealed partial class EvaluationJsonContext : JsonSerializerContext;
