using System.Diagnostics;
using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Chat;
using PaliGemma.AI.Tests.TestModels;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Faults;

/// <summary>
/// Faults of the model folder AFTER a successful load: the folder turns read-only or disappears. A loaded model keeps
/// everything it needs in memory, so generation goes on with the same output; a new load names the missing folder.
/// (Load-time faults — truncated <c>.onnx</c> / <c>.onnx.data</c>, a wrong <c>genai_config.json</c>, a missing tokenizer —
/// are covered by <see cref="Runtime.CorruptModelFolderTests"/> and <see cref="Runtime.ModelFolderValidationTests"/>.)
/// </summary>
public sealed class ModelFolderAfterLoadTests : IDisposable
{
    private static readonly byte[] Image = TestImages.Png(3);
    private static readonly ChatOptions Twelve = new() { MaxOutputTokens = 12 };
    private readonly string _folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
    private bool _mounted;

    public void Dispose()
    {
        if (_mounted)
        {
            RunTool("umount", _folder);
        }

        if (Directory.Exists(_folder))
        {
            MakeWritable(_folder);
            TinyModelFixture.DeleteFolder(_folder);
        }
    }

    [SkippableFact]
    public async Task Generation_goes_on_after_the_folder_turns_read_only()
    {
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(_folder);
        string before = (await client.GetResponseAsync(Ask("caption en", Image), Twelve)).Text;

        string? how = MakeReadOnly();
        if (how is null)
        {
            // Root without mount rights ignores mode bits: nothing here can make the folder read-only, and running on
            // would prove nothing. CI runs as root with mount rights, so there this is a failure, never a skip.
            string reason = "the folder could not be made read-only (no read-only bind mount: not root or no mount rights; mode bits: ignored by root), so the test would prove nothing";
            Assert.True(Environment.GetEnvironmentVariable("CI") is not { Length: > 0 }, $"CI must run this test, but {reason}.");
            Skip.If(true, reason);
        }

        Assert.True(IsReadOnly(), $"the folder is writable after {how}");

        client.ClearImageFeatureCache();
        ChatResponse after = await client.GetResponseAsync(Ask("caption en", Image), Twelve);

        Assert.Equal(before, after.Text);
        Assert.InRange(after.Usage!.OutputTokenCount ?? 0, 1, 12);

        // Loading needs no write access either.
        using PaliGemmaModel second = PaliGemmaModel.Load(_folder);
        Assert.Equal(client.Model.ModelId, second.ModelId);
    }

    [Fact]
    public async Task Generation_goes_on_after_the_folder_vanishes_and_a_new_load_names_it()
    {
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(_folder);
        string before = (await client.GetResponseAsync(Ask("detect cat ; dog", Image), Twelve)).Text;

        Directory.Delete(_folder, recursive: true);
        client.ClearImageFeatureCache();
        string after = (await client.GetResponseAsync(Ask("detect cat ; dog", Image), Twelve)).Text;

        Assert.Equal(before, after);
        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(_folder));
        Assert.Equal(_folder, ex.FilePath);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_folder_vanishing_during_streaming_does_not_disturb_the_stream()
    {
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(_folder);
        string expected = (await client.GetResponseAsync(Ask("ocr", Image), Twelve)).Text;
        client.ClearImageFeatureCache();

        var text = new System.Text.StringBuilder();
        bool deleted = false;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask("ocr", Image), Twelve))
        {
            text.Append(update.Text);
            if (!deleted)
            {
                Directory.Delete(_folder, recursive: true);
                deleted = true;
            }
        }

        Assert.True(deleted);
        Assert.Equal(expected, text.ToString());
    }

    [Fact]
    public void Direct_model_api_keeps_working_after_the_folder_vanishes()
    {
        using PaliGemmaModel model = PaliGemmaModel.Load(_folder);
        List<GeneratedToken> before = Reference(model, Image, "caption en", 8);
        int[] promptBefore = model.BuildPromptIds("answer en what is this?");

        Directory.Delete(_folder, recursive: true);
        List<GeneratedToken> after = Reference(model, Image, "caption en", 8);

        Assert.Equal(before.Select(t => t.Id), after.Select(t => t.Id));
        Assert.Equal(promptBefore, model.BuildPromptIds("answer en what is this?"));
    }

    /// <summary>
    /// Makes the copy read-only — a read-only bind mount where this process may mount (root), else mode bits — and
    /// proves it with writes that must fail. Returns how, or null when neither way made it read-only.
    /// </summary>
    private string? MakeReadOnly()
    {
        if (Environment.IsPrivilegedProcess && RunTool("mount", "--bind", _folder, _folder))
        {
            _mounted = true;
            if (RunTool("mount", "-o", "remount,bind,ro", _folder) && IsReadOnly())
            {
                return "a read-only bind mount";
            }
        }

        foreach (string file in Directory.EnumerateFiles(_folder))
        {
            File.SetAttributes(file, FileAttributes.ReadOnly);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }

        return IsReadOnly() ? "read-only mode bits" : null;
    }

    /// <summary>True when both a new file and an append to the manifest fail (each write that succeeds is harmless).</summary>
    private bool IsReadOnly()
    {
        try
        {
            File.WriteAllText(Path.Combine(_folder, "probe.txt"), "x");
            return false;
        }
        catch (UnauthorizedAccessException)
        {
        }
        catch (IOException)
        {
        }

        try
        {
            File.AppendAllText(Path.Combine(_folder, "paligemma.json"), " ");
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static void MakeWritable(string folder)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool RunTool(string tool, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
