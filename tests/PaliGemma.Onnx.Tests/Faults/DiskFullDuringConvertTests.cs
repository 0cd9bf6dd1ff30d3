using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Tiny;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests.Faults;

/// <summary>A tiny checkpoint and the sizes of its converted folder, made once for the disk-full tests.</summary>
public sealed class DiskFullCheckpoint : IDisposable
{
    private readonly TempFolder _root = new();

    public DiskFullCheckpoint()
    {
        Input = TinyModelGenerator.Generate(_root.File("hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 56, Seed = 5 }).Folder;
        string output = _root.File("full");
        PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Input, OutputDirectory = output });
        OutputBytes = Directory.EnumerateFiles(output).Sum(f => RoundToPage(new FileInfo(f).Length));
    }

    /// <summary>The checkpoint folder (on the normal disk).</summary>
    public string Input { get; }

    /// <summary>What a complete model folder takes on a tmpfs (file sizes rounded up to 4 KiB pages).</summary>
    public long OutputBytes { get; }

    public void Dispose() => _root.Dispose();

    private static long RoundToPage(long bytes) => (bytes + 4095) / 4096 * 4096;
}

/// <summary>
/// <c>convert</c> onto a disk that fills up: a real tmpfs of a fraction of the output's size where this process may
/// mount one (root), else an exporter that stops with ENOSPC once the written bytes pass the same budget. Either way the
/// error is one <see cref="IOException"/> naming the output folder and the file being written, and no folder that looks
/// like a model (holds <c>paligemma.json</c>) is left behind.
/// </summary>
public sealed class DiskFullDuringConvertTests(DiskFullCheckpoint checkpoint, ITestOutputHelper log) : IClassFixture<DiskFullCheckpoint>
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Disk_full_fails_with_one_clear_error_and_leaves_no_model_folder(double fraction)
    {
        long budget = (long)(checkpoint.OutputBytes * fraction) / 4096 * 4096;
        using var disk = new Disk(budget);
        string output = Path.Combine(disk.Path, "model");

        var ex = Assert.ThrowsAny<IOException>(() => disk.Convert(new ConvertOptions { InputDirectory = checkpoint.Input, OutputDirectory = output }));

        log.WriteLine($"{disk.Kind}, {budget} bytes: {ex.Message}");
        Assert.Contains("disk is full", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{output}'", ex.Message, StringComparison.Ordinal);
        Assert.Matches(@"writing '[^']+\.(onnx|data|json)'", ex.Message);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(disk.Path)); // the hidden partial folder is gone too: space is freed
        var load = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(output));
        Assert.Contains("does not exist", load.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disk_full_during_an_overwrite_keeps_the_previous_model_loadable()
    {
        // Room for one model and a half: the first conversion fits, the overwrite runs out of space half-way.
        using var disk = new Disk((long)(checkpoint.OutputBytes * 1.5) / 4096 * 4096);
        string output = Path.Combine(disk.Path, "model");
        PaliGemmaManifest first = disk.Convert(new ConvertOptions { InputDirectory = checkpoint.Input, OutputDirectory = output, ModelId = "first" });

        var ex = Assert.ThrowsAny<IOException>(() => disk.Convert(new ConvertOptions { InputDirectory = checkpoint.Input, OutputDirectory = output, ModelId = "second", Overwrite = true }));

        Assert.Contains("disk is full", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(disk.Path).Select(Path.GetFileName));
        using PaliGemmaModel model = PaliGemmaModel.Load(output);
        Assert.Equal(first.ModelId, model.ModelId);
    }

    /// <summary>A small tmpfs, or (without mount rights) a normal folder with a byte budget enforced by the exporter.</summary>
    private sealed class Disk : IDisposable
    {
        private readonly SmallDisk? _tmpfs;
        private readonly TempFolder? _folder;
        private readonly long _budget;

        public Disk(long budget)
        {
            _budget = budget;
            _tmpfs = SmallDisk.TryCreate(budget);
            if (_tmpfs is null)
            {
                _folder = new TempFolder();
            }
        }

        public string Path => _tmpfs?.Path ?? _folder!.Path;

        public string Kind => _tmpfs is null ? "byte budget" : "tmpfs";

        public PaliGemmaManifest Convert(ConvertOptions options) => _tmpfs is not null
            ? PaliGemmaConverter.Convert(options)
            : PaliGemmaConverter.Convert(options, new BudgetExporter(Path, _budget, options.InputDirectory));

        public void Dispose()
        {
            _tmpfs?.Dispose();
            _folder?.Dispose();
        }
    }
}
