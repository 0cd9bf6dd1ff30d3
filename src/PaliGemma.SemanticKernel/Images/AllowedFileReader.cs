namespace PaliGemma.SemanticKernel;

/// <summary>
/// Reads image files only from inside configured root folders. A path is refused when it has a <c>..</c> segment,
/// when it is absolute and outside every root, or when any component along the way is a link whose final target
/// lies outside the roots. Only regular non-empty files are read (folders, devices, FIFOs and sockets are refused),
/// and the file that is opened is the fully resolved one.
/// </summary>
/// <remarks>
/// The checks and the open are separate system calls: someone who can write inside a root could swap a checked
/// component for a link between them. Roots should therefore be folders that only trusted writers can change.
/// </remarks>
internal sealed class AllowedFileReader
{
    private const int MaxLinkHops = 40;
    private readonly string[] _roots;
    private readonly (string Given, string Real)[] _aliases;

    public AllowedFileReader(IEnumerable<string> roots)
    {
        _aliases = [.. roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Select(r => (r, RealPath(r)))];
        _roots = [.. _aliases.Select(a => a.Real).Distinct()];
    }

    public bool Enabled => _roots.Length > 0;

    /// <summary>Returns the real path of an allowed regular file, or throws <see cref="ImageReferenceException"/>.</summary>
    public string ResolveFile(string reference)
    {
        if (reference.Contains('\0', StringComparison.Ordinal))
        {
            throw NotAllowed("The path contains a NUL character.");
        }

        string[] segments = reference.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            throw NotAllowed($"The path '{reference}' contains '..'; pass a path inside the allowed folders without '..'.");
        }

        IEnumerable<string> candidates = Path.IsPathRooted(reference)
            ? [ToRealRoot(Path.GetFullPath(reference))]
            : _roots.Select(r => Path.GetFullPath(Path.Combine(r, reference)));

        ImageReferenceException? firstFailure = null;
        foreach (string candidate in candidates)
        {
            try
            {
                return ResolveCandidate(candidate, reference);
            }
            catch (ImageReferenceException ex) when (ex.Code == PaliGemmaToolErrorCodes.ImageNotFound)
            {
                firstFailure ??= ex;
            }
        }

        throw firstFailure ?? NotFound(reference);
    }

    private string ResolveCandidate(string fullPath, string reference)
    {
        string? root = _roots.FirstOrDefault(r => IsUnder(fullPath, r));
        if (root is null)
        {
            throw NotAllowed($"The path '{reference}' is outside the allowed folders.");
        }

        // Walk from the root one component at a time; every link met must end inside a root.
        string current = root;
        string relative = Path.GetRelativePath(root, fullPath);
        foreach (string part in relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            current = FollowLinks(Path.Combine(current, part), reference);
        }

        var info = new FileInfo(current);
        if (Directory.Exists(current))
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.NotAFile, $"'{reference}' is a folder, not an image file.");
        }

        if (!info.Exists)
        {
            throw NotFound(reference);
        }

        // Devices, FIFOs and sockets report no length; reading them could block or never end.
        if (info.Length <= 0)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.NotAFile, $"'{reference}' is empty or not a regular file.");
        }

        return current;
    }

    private string FollowLinks(string path, string reference)
    {
        for (int hop = 0; hop < MaxLinkHops; hop++)
        {
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            if (info.LinkTarget is not { } target)
            {
                return path;
            }

            string next = Path.GetFullPath(target, Path.GetDirectoryName(path)!);
            if (!_roots.Any(r => IsUnder(next, r)))
            {
                throw NotAllowed($"The path '{reference}' goes through a link that leads outside the allowed folders.");
            }

            path = next;
        }

        throw NotAllowed($"The path '{reference}' has too many levels of links.");
    }

    /// <summary>Rewrites an absolute path given under a root's spelled form (for example through a linked parent folder) to the root's real path.</summary>
    private string ToRealRoot(string fullPath)
    {
        foreach ((string given, string real) in _aliases)
        {
            if (given != real && IsUnder(fullPath, given))
            {
                return Path.Join(real, Path.GetRelativePath(given, fullPath));
            }
        }

        return fullPath;
    }

    /// <summary>The path with every link along it resolved (a root's real location).</summary>
    private static string RealPath(string fullPath)
    {
        string current = Path.GetPathRoot(fullPath)!;
        foreach (string part in fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            for (int hop = 0; hop < MaxLinkHops && new DirectoryInfo(current).LinkTarget is { } target; hop++)
            {
                current = Path.GetFullPath(target, Path.GetDirectoryName(current)!);
            }
        }

        return Path.TrimEndingDirectorySeparator(current);
    }

    private static bool IsUnder(string path, string root)
    {
        StringComparison comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(path, root, comparison))
        {
            return true;
        }

        string prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, comparison);
    }

    private static ImageReferenceException NotAllowed(string message) => new(PaliGemmaToolErrorCodes.PathNotAllowed, message);

    private static ImageReferenceException NotFound(string reference) =>
        new(PaliGemmaToolErrorCodes.ImageNotFound, $"No registered image or allowed file is named '{reference}'.");
}
