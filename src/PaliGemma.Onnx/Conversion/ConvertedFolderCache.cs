using System.Text.Json;
using PaliGemma.ModelFormat;

namespace PaliGemma.Onnx.Conversion;

/// <summary>
/// Reuses a converted model folder when its manifest carries the expected cache key (at the end of
/// <see cref="PaliGemmaModelSource.Description"/>), and otherwise (re)creates it, serialised across threads and
/// processes with a lock file next to the folder.
/// </summary>
internal static class ConvertedFolderCache
{
    private static readonly object Gate = new();
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Returns the manifest of <paramref name="outputDir"/> when it was made with <paramref name="key"/>; otherwise
    /// calls <paramref name="create"/> (which must write a manifest whose description ends with the key) under the lock.</summary>
    public static PaliGemmaManifest GetOrCreate(string outputDir, string key, Func<PaliGemmaManifest> create)
    {
        lock (Gate)
        {
            using FileStream folderLock = AcquireFolderLock(outputDir);
            if (TryReadManifest(outputDir) is { Source.Description: { } description } existing && description.EndsWith(key, StringComparison.Ordinal))
            {
                return existing;
            }

            return create();
        }
    }

    /// <summary>Serialises creators across processes (test runs of several projects may share a cache folder); the lock file
    /// (<c>&lt;folder&gt;.lock</c>) is left in place so that no two processes can ever lock different files of the same name.</summary>
    private static FileStream AcquireFolderLock(string outputDir)
    {
        string full = Path.GetFullPath(outputDir).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string lockPath = full + ".lock";
        DateTime deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static PaliGemmaManifest? TryReadManifest(string folder)
    {
        string path = Path.Combine(folder, PaliGemmaManifest.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, PaliGemmaManifestJsonContext.Default.PaliGemmaManifest);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
