using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Microsoft.SemanticKernel;
using PaliGemma.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// The composite agent tool "describe each object": detect the named objects, then caption each one on its own crop
/// of the image (a <see cref="VisionPipeline"/>). Problems come back as error results; only cancellation is thrown.
/// Add it to a kernel with <see cref="CreatePlugin"/> next to the <see cref="PaliGemmaPlugin"/>.
/// </summary>
public sealed class PaliGemmaDescribeObjectsTool
{
    /// <summary>The plugin name used by <see cref="CreatePlugin"/>.</summary>
    public const string PluginName = "paligemma_composite";

    private readonly IPaliGemmaVision _vision;
    private readonly PaliGemmaVisionTools _tools;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="vision">The PaliGemma vision service.</param>
    /// <param name="tools">The vision tools whose image-reference resolution and settings are shared.</param>
    public PaliGemmaDescribeObjectsTool(IPaliGemmaVision vision, PaliGemmaVisionTools tools)
    {
        ArgumentNullException.ThrowIfNull(vision);
        ArgumentNullException.ThrowIfNull(tools);
        _vision = vision;
        _tools = tools;
    }

    /// <summary>Gets or sets the padding around each box before captioning its crop, as a fraction of the box size (default 0.1).</summary>
    public float CropPadding { get; init; } = 0.1f;

    /// <summary>Builds a Semantic Kernel plugin holding this tool.</summary>
    /// <param name="tool">The tool.</param>
    /// <returns>The plugin (name <see cref="PluginName"/>).</returns>
    public static KernelPlugin CreatePlugin(PaliGemmaDescribeObjectsTool tool) =>
        KernelPluginFactory.CreateFromObject(tool, PluginName);

    /// <summary>Detects objects and captions each one on its crop.</summary>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="image">The image reference, or null for the conversation's latest image.</param>
    /// <param name="language">The caption language (default <c>en</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Each object's label, boxes and description, or an error result.</returns>
    [KernelFunction("DescribeEachObject")]
    [Description("Find objects in an image, then describe each one from a close-up crop. Returns each object's label, bounding box (pixels and 0..1 fractions) and a short description.")]
    public async Task<DescribeObjectsToolResult> DescribeEachObjectAsync(
        [Description(ToolDescriptions.DetectLabels)] string labels,
        [Description(ToolDescriptions.Image)] string? image = null,
        [Description("Language code of the descriptions, e.g. 'en'.")] string? language = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await _tools.ResolveImageAsync(image, cancellationToken).ConfigureAwait(false);
            VisionPipeline pipeline = VisionPipeline.Detect(PaliGemmaVisionTools.SplitLabels(labels))
                .ForEachObject(o => o.Caption(string.IsNullOrWhiteSpace(language) ? "en" : language.Trim()))
                .WithCropPadding(CropPadding);
            VisionPipelineResult result = await pipeline.RunAsync(_vision, content, cancellationToken).ConfigureAwait(false);
            return new DescribeObjectsToolResult
            {
                ImageWidth = result.ImageWidth,
                ImageHeight = result.ImageHeight,
                Objects = [.. result.Objects.Select(o => new DescribedObject(
                    o.Label, o.Box, result.ImageWidth, result.ImageHeight, o.FollowUps.Count > 0 ? o.FollowUps[0].Text : string.Empty))],
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            (string code, string message) = ToolResultMapper.Describe(ex);
            return new DescribeObjectsToolResult { Error = message, Code = code };
        }
    }
}

/// <summary>The result of <see cref="PaliGemmaDescribeObjectsTool.DescribeEachObjectAsync"/>.</summary>
public sealed class DescribeObjectsToolResult : PaliGemmaToolResult
{
    /// <summary>Gets the objects found, each with its description (null on failure).</summary>
    [JsonPropertyName("objects")]
    public IReadOnlyList<DescribedObject>? Objects { get; init; }
}

/// <summary>An object found by the describe-each-object tool: its label, boxes and description.</summary>
public sealed class DescribedObject : ToolObject
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="label">The label the model wrote.</param>
    /// <param name="box">The box in pixels of the original image.</param>
    /// <param name="normalizedBox">The box as 0..1 fractions of the image size.</param>
    /// <param name="description">The caption of the object's crop.</param>
    [SetsRequiredMembers]
    public DescribedObject(string label, ToolBox box, ToolBox normalizedBox, string description)
        : base(label, box, normalizedBox)
    {
        Description = description;
    }

    [SetsRequiredMembers]
    internal DescribedObject(string label, BoundingBox box, int imageWidth, int imageHeight, string description)
        : base(label, box, imageWidth, imageHeight)
    {
        Description = description;
    }

    /// <summary>Gets the caption of the object's crop.</summary>
    [JsonPropertyName("description")]
    public string Description { get; init; }
}

/// <summary>Source-generated JSON metadata of <see cref="DescribeObjectsToolResult"/>.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DescribeObjectsToolResult))]
public sealed partial class DescribeObjectsToolJsonContext : JsonSerializerContext
{
}
