namespace PaliGemma.Fuzz.Targets;

/// <summary>The readers under test open paths: each input is written to one reused file per process (in RAM where /dev/shm exists).</summary>
internal static class InputFile
{
    private static readonly string Folder = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    /// <summary>Writes <paramref name="data"/> to this process's file named <c>pg-fuzz-PID/name</c> and returns its path.</summary>
    public static string Write(string name, ReadOnlySpan<byte> data)
    {
        string folder = Path.Combine(Folder, "pg-fuzz-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read))
        {
            stream.Write(data);
        }

        return path;
    }
}
