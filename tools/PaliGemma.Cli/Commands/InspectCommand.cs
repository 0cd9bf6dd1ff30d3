using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary><c>paligemma inspect</c>: summary of a model folder (paligemma.json) or a Hugging Face checkpoint (config.json).</summary>
internal static class InspectCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "A converted model folder or a Hugging Face PaliGemma checkpoint folder." };
        var command = new Command("inspect", "Print what a model folder or Hugging Face checkpoint holds.") { folder };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            DirectoryInfo dir = parse.GetRequiredValue(folder);
            if (!dir.Exists)
            {
                throw new DirectoryNotFoundException($"Folder '{dir.FullName}' does not exist.");
            }

            if (File.Exists(Path.Combine(dir.FullName, PaliGemmaManifest.FileName)))
            {
                InspectModelFolder(dir.FullName);
            }
            else if (File.Exists(Path.Combine(dir.FullName, PaliGemmaConfigReader.FileName)))
            {
                InspectCheckpoint(dir.FullName);
            }
            else
            {
                throw new FileNotFoundException($"Folder '{dir.FullName}' has neither {PaliGemmaManifest.FileName} (model folder) nor {PaliGemmaConfigReader.FileName} (Hugging Face checkpoint).");
            }

            return 0;
        }));
        return command;
    }

    private static void InspectModelFolder(string folder)
    {
        string path = Path.Combine(folder, PaliGemmaManifest.FileName);
        PaliGemmaManifest manifest;
        try
        {
            using FileStream stream = File.OpenRead(path);
            manifest = JsonSerializer.Deserialize(stream, PaliGemmaManifestJsonContext.Default.PaliGemmaManifest)
                ?? throw new InvalidDataException($"'{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not a valid manifest: {ex.Message}", ex);
        }

        var table = Table("Model folder", folder);
        Row(table, "model id", manifest.ModelId);
        Row(table, "architecture", manifest.Architecture);
        Row(table, "format version", Num(manifest.FormatVersion));
        Row(table, "image size / patch", $"{manifest.ImageSize} px / {manifest.PatchSize}");
        Row(table, "image tokens", Num(manifest.NumImageTokens));
        Row(table, "text hidden / vocab", $"{manifest.TextHiddenSize} / {manifest.VocabSize}");
        Row(table, "max sequence length", Num(manifest.MaxSequenceLength));
        Row(table, "precision", manifest.Precision);
        PaliGemmaTokenIds ids = manifest.TokenIds;
        Row(table, "token ids", $"pad {ids.Pad}, eos {ids.Eos}, bos {ids.Bos}, image {ids.Image}, newline {ids.Newline}, loc0000 {ids.LocStart}, seg000 {ids.SegStart}, extra stop [{string.Join(", ", ids.ExtraStop)}]");
        foreach (string file in new[] { manifest.Files.Vision, manifest.Files.Decoder, manifest.Files.Tokenizer, ModelFileNames.GenAiConfig, manifest.Files.MaskDecoder }.OfType<string>())
        {
            string full = Path.Combine(folder, file);
            long size = File.Exists(full) ? new FileInfo(full).Length + (File.Exists(full + ModelFileNames.ExternalDataSuffix) ? new FileInfo(full + ModelFileNames.ExternalDataSuffix).Length : 0) : -1;
            Row(table, file, size < 0 ? "missing" : Size(size));
        }

        if (manifest.Source is { } source)
        {
            Row(table, "checkpoint sha256", source.CheckpointSha256 ?? "-");
            Row(table, "converter", source.Converter ?? "-");
            Row(table, "description", source.Description ?? "-");
        }

        AnsiConsole.Write(table);
    }

    private static void InspectCheckpoint(string folder)
    {
        PaliGemmaConfig config = PaliGemmaConfigReader.Read(Path.Combine(folder, PaliGemmaConfigReader.FileName));
        var table = Table("Hugging Face checkpoint", folder);
        SiglipVisionConfig v = config.Vision;
        GemmaTextConfig t = config.Text;
        Row(table, "architecture", config.Generation == 2 ? "PaliGemma 2 (Gemma 2)" : "PaliGemma 1 (Gemma)");
        Row(table, "vision", $"SigLIP {v.NumHiddenLayers} layers × {v.HiddenSize}, {v.NumAttentionHeads} heads, MLP {v.IntermediateSize}, {v.ImageSize} px / patch {v.PatchSize} → {v.NumPatches} tokens");
        Row(table, "text", $"{t.ModelType} {t.NumHiddenLayers} layers × {t.HiddenSize}, {t.NumAttentionHeads}/{t.NumKeyValueHeads} heads × {t.HeadDim}, MLP {t.IntermediateSize}, vocab {t.VocabSize}");
        if (t.IsGemma2)
        {
            Row(table, "gemma 2", $"query_pre_attn_scalar {t.QueryPreAttnScalar}, softcaps {t.AttnLogitSoftcapping?.ToString(CultureInfo.InvariantCulture) ?? "none"}/{t.FinalLogitSoftcapping?.ToString(CultureInfo.InvariantCulture) ?? "none"}, sliding window {t.SlidingWindow?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        }

        Row(table, "image token", Num(config.ImageTokenIndex));
        using (SafetensorsReader weights = CheckpointFolder.Open(folder))
        {
            long parameters = weights.Names.Sum(n => weights.GetInfo(n).ElementCount);
            string types = string.Join(", ", weights.Names.GroupBy(n => weights.GetInfo(n).DataType).Select(g => $"{g.Key} × {g.Count()}"));
            Row(table, "weights", $"{weights.Files.Count} file(s), {weights.Names.Count} tensors, {parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters ({types})");
            string first = weights.Names.First();
            Row(table, "key layout", weights.GetStoredName(first) == first ? "legacy (language_model.model.*)" : "nested (model.language_model.*)");
            try
            {
                PaliGemmaTensorLayout.Validate(config, weights, folder);
                Row(table, "tensors vs config", "match");
            }
            catch (CheckpointException ex)
            {
                Row(table, "tensors vs config", ex.Message);
            }
        }

        string tokenizer = Path.Combine(folder, ModelFileNames.Tokenizer);
        if (File.Exists(tokenizer))
        {
            PaliGemmaTokenIds ids = TokenizerInspector.ReadTokenIds(tokenizer, config);
            Row(table, "token ids", $"image {ids.Image}, newline {ids.Newline}, loc0000 {ids.LocStart}, seg000 {ids.SegStart}, extra stop [{string.Join(", ", ids.ExtraStop)}]");
        }
        else
        {
            Row(table, "tokenizer", "tokenizer.json missing");
        }

        AnsiConsole.Write(table);
    }

    private static Table Table(string kind, string folder)
    {
        var table = new Table { Title = new TableTitle($"{kind}: {Markup.Escape(folder)}") };
        table.AddColumn("property");
        table.AddColumn("value");
        return table;
    }

    private static void Row(Table table, string key, string value)
        => table.AddRow(new Text(key), new Text(value));

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}
