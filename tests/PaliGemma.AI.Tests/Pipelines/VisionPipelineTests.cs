using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.AI.Tests.Pipelines;

public sealed class VisionPipelineTests
{
    [Fact]
    public async Task Follow_ups_run_on_each_objects_padded_crop_and_the_tree_keeps_original_pixels()
    {
        var vision = new FakeVision
        {
            Objects = [new DetectedObject("red", new BoundingBox(2, 4, 12, 14)), new DetectedObject("blue", new BoundingBox(30, 0, 40, 30))],
        };
        VisionPipeline pipeline = VisionPipeline.Detect("red", "blue")
            .Then(VisionStep.Caption("en"))
            .ForEachObject(o => o.Caption("de").Answer("what colour?"))
            .WithCropPadding(0.5f);

        VisionPipelineResult result = await pipeline.RunAsync(vision, HalfRedHalfBlue());

        Assert.Equal((40, 30), (result.ImageWidth, result.ImageHeight));
        Assert.Equal([new VisionAnswer("caption en", "40x30 mixed")], result.Answers);
        Assert.Equal(2, result.Objects.Count);
        VisionObject red = result.Objects[0], blue = result.Objects[1];
        Assert.Equal(("red", new BoundingBox(2, 4, 12, 14), "detect red ; blue"), (red.Label, red.Box, red.Step));
        // 10×10 box padded by 5 on each side, clipped at the image's left and top.
        Assert.Equal(new BoundingBox(0, 0, 17, 19), red.Crop);
        Assert.Equal([new VisionAnswer("caption de", "17x19 red"), new VisionAnswer("answer en what colour?", "17x19 red")], red.FollowUps);
        Assert.Equal(new BoundingBox(25, 0, 40, 30), blue.Crop);
        Assert.Equal("15x30 blue", blue.FollowUps[0].Text);
    }

    [Fact]
    public async Task Follow_ups_run_concurrently_but_never_more_than_the_bound()
    {
        var vision = new FakeVision
        {
            Objects = [.. Enumerable.Range(0, 12).Select(i => new DetectedObject("red", new BoundingBox(i, 0, i + 5, 5)))],
            Delay = TimeSpan.FromMilliseconds(20),
        };

        VisionPipelineResult result = await VisionPipeline.Detect("red").ForEachObject(o => o.Caption()).WithMaxConcurrency(3).RunAsync(vision, HalfRedHalfBlue());

        Assert.Equal(12, result.Objects.Count);
        Assert.All(result.Objects, o => Assert.Single(o.FollowUps));
        Assert.InRange(vision.MaxInFlight, 2, 3);
    }

    [Fact]
    public async Task Cancellation_stops_before_the_next_step()
    {
        using var cancel = new CancellationTokenSource();
        var vision = new FakeVision { Objects = [new DetectedObject("red", new BoundingBox(0, 0, 5, 5))], OnDetect = cancel.Cancel };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            VisionPipeline.Detect("red").Then(VisionStep.Ocr()).ForEachObject(o => o.Caption()).RunAsync(vision, HalfRedHalfBlue(), cancel.Token));

        Assert.Equal(["detect"], vision.Calls);
    }

    [Fact]
    public async Task Objects_without_follow_ups_have_no_crop_and_a_bad_image_throws_a_typed_error()
    {
        var vision = new FakeVision { Objects = [new DetectedObject("red", new BoundingBox(0, 0, 5, 5))] };

        VisionPipelineResult result = await VisionPipeline.Detect("red").RunAsync(vision, HalfRedHalfBlue());
        Assert.Null(Assert.Single(result.Objects).Crop);

        await Assert.ThrowsAsync<PaliGemmaImageException>(() => VisionPipeline.Caption().RunAsync(vision, new byte[] { 1, 2, 3, 4 }));
    }

    [Theory]
    [InlineData("detect cat ; dog", VisionStepKind.Detect, "detect cat ; dog")]
    [InlineData("segment  cat", VisionStepKind.Segment, "segment cat")]
    [InlineData("caption de", VisionStepKind.Caption, "caption de")]
    [InlineData("caption", VisionStepKind.Caption, "caption en")]
    [InlineData("ocr", VisionStepKind.Ocr, "ocr")]
    [InlineData("answer en how many shapes?", VisionStepKind.Answer, "answer en how many shapes?")]
    public void Steps_parse_from_prompts(string prompt, VisionStepKind kind, string normalized)
    {
        VisionStep step = VisionStep.Parse(prompt);

        Assert.Equal((kind, normalized), (step.Kind, step.Prompt));
    }

    [Theory]
    [InlineData("")]
    [InlineData("detect")]
    [InlineData("detect ;")]
    [InlineData("answer en")]
    [InlineData("draw a cat")]
    public void Malformed_prompts_are_refused(string prompt) => Assert.Throws<FormatException>(() => VisionStep.Parse(prompt));

    [Fact]
    public void Follow_ups_that_find_objects_are_refused() =>
        Assert.Throws<ArgumentException>(() => VisionPipeline.Detect("a").ForEachObject([VisionStep.Detect(["b"])]));

    private static byte[] HalfRedHalfBlue()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(40, 30, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < 30; y++)
        {
            for (int x = 0; x < 40; x++)
            {
                bitmap.SetPixel(x, y, x < 20 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
            }
        }

        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Answers text requests with the image's size and dominant colour, so tests can see which crop each call got.</summary>
    private sealed class FakeVision : IPaliGemmaVision
    {
        private int _inFlight;

        public IReadOnlyList<DetectedObject> Objects { get; init; } = [];

        public TimeSpan Delay { get; init; }

        public Action? OnDetect { get; init; }

        public int MaxInFlight { get; private set; }

        public ConcurrentQueue<string> Calls { get; } = new();

        public Task<DetectionResult> DetectAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default)
        {
            Calls.Enqueue("detect");
            OnDetect?.Invoke();
            return Task.FromResult(new DetectionResult(Objects, "raw", 40, 30));
        }

        public Task<SegmentationResult> SegmentAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<TextResult> CaptionAsync(DataContent image, string language = "en", CancellationToken cancellationToken = default) => DescribeAsync(image, "caption");

        public Task<TextResult> OcrAsync(DataContent image, CancellationToken cancellationToken = default) => DescribeAsync(image, "ocr");

        public Task<TextResult> AnswerAsync(DataContent image, string question, string language = "en", CancellationToken cancellationToken = default) => DescribeAsync(image, "answer");

        private async Task<TextResult> DescribeAsync(DataContent image, string call)
        {
            Calls.Enqueue(call);
            int now = Interlocked.Increment(ref _inFlight);
            lock (Calls)
            {
                MaxInFlight = Math.Max(MaxInFlight, now);
            }

            await Task.Delay(Delay);
            using SKBitmap bitmap = SKBitmap.Decode(image.Data.ToArray());
            int red = 0, blue = 0;
            for (int y = 0; y < bitmap.Height; y++)
            {
                for (int x = 0; x < bitmap.Width; x++)
                {
                    SKColor c = bitmap.GetPixel(x, y);
                    red += c.Red > 128 ? 1 : 0;
                    blue += c.Blue > 128 ? 1 : 0;
                }
            }

            Interlocked.Decrement(ref _inFlight);
            string colour = red == 0 ? "blue" : blue == 0 ? "red" : "mixed";
            return new TextResult($"{bitmap.Width}x{bitmap.Height} {colour}", "raw");
        }
    }
}
