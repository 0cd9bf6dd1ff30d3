namespace PaliGemma.Cli.Batch;

/// <summary>Streams the images of <c>--input</c>: a folder's image files (sorted per folder, recursively), or a text file's lines.</summary>
internal static class BatchInputs
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp",
    };

    /// <summary>Enumerates the image paths lazily; a folder is read one directory at a time, a list one line at a time.</summary>
    public static IEnumerable<string> Enumerate(string input)
    {
        if (Directory.Exists(input))
        {
            return EnumerateFolder(input);
        }

        if (File.Exists(input))
        {
            return EnumerateList(input);
        }

        throw new FileNotFoundException($"--input '{input}' is neither a folder nor a list file.", input);
    }

    private static IEnumerable<string> EnumerateFolder(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string folder = pending.Pop();

            // One folder's names at a time (sorted for a stable order across runs, which --resume relies on).
            string[] files = [.. Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f)))];
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                yield return file;
            }

            string[] folders = [.. Directory.EnumerateDirectories(folder)];
            Array.Sort(folders, StringComparer.Ordinal);
            for (int i = folders.Length - 1; i >= 0; i--)
            {
                pending.Push(folders[i]);
            }
        }
    }

    private static IEnumerable<string> EnumerateList(string listFile)
    {
        string baseFolder = Path.GetDirectoryName(Path.GetFullPath(listFile)) ?? ".";
        foreach (string raw in File.ReadLines(listFile))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            yield return Path.IsPathRooted(line) ? line : Path.Combine(baseFolder, line);
        }
    }
}
