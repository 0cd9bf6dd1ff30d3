using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PaliGemma.AI;

/// <summary>
/// Reads image files only from inside configured root folders. A path is refused when it has a <c>..</c> segment,
/// when it is absolute and outside every root, when any component along the way is a link whose final target lies
/// outside the roots, or when the file is not a regular non-empty file with a single link (folders, devices, FIFOs,
/// sockets and hard links are refused). The file that is opened is the fully resolved one; on Linux it is opened
/// with <c>O_NONBLOCK | O_NOFOLLOW</c> and checked again with <c>statx</c> on the open descriptor, so a FIFO cannot
/// block the open and a file swapped for a link after the checks is refused.
/// </summary>
/// <remarks>
/// Every refusal, a missing file included, is the same <see cref="ImageErrorReason.FileNotAllowedOrNotFound"/>
/// error with the same message (<see cref="NotAllowedOrNotFound"/>), so callers cannot probe which paths exist.
/// Someone who can write inside a root could still swap a folder component between the checks and the open:
/// roots should be folders only trusted writers can change.
/// </remarks>
internal sealed partial class AllowedFileRoots
{
    /// <summary>The message of every refusal.</summary>
    public const string Message =
        "FileNotAllowedOrNotFound: the image file is not allowed or does not exist. Only regular image files inside the allowed image folders can be read (no '..', no links leading outside, no hard links, no devices or pipes).";

    private const int MaxLinkHops = 40;
    private readonly string[] _roots;
    private readonly (string Given, string Real)[] _aliases;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="roots">The allowed folders.</param>
    public AllowedFileRoots(IEnumerable<string> roots)
    {
        _aliases = [.. roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Select(r => (r, RealPath(r)))];
        _roots = [.. _aliases.Select(a => a.Real).Distinct()];
    }

    /// <summary>Gets whether any root is configured.</summary>
    public bool Enabled => _roots.Length > 0;

    /// <summary>The one error for "not allowed or not found".</summary>
    public static PaliGemmaImageException NotAllowedOrNotFound(Exception? inner = null) =>
        new(ImageErrorReason.FileNotAllowedOrNotFound, Message, inner);

    /// <summary>Reads an allowed file, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="reference">A path relative to a root, or absolute.</param>
    /// <param name="maxBytes">The encoded-size limit.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="PaliGemmaImageException">Not allowed or not found, or larger than <paramref name="maxBytes"/>.</exception>
    public async ValueTask<byte[]> ReadAsync(string reference, long maxBytes, CancellationToken cancellationToken)
    {
        string path = Resolve(reference);
        using SafeFileHandle handle = OpenChecked(path);
        var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        await using (stream.ConfigureAwait(false))
        {
            return await BoundedReader.ReadAllAsync(stream, maxBytes, "the image file", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads a file the application itself named (not a path from a request): no roots apply, but it must be a
    /// regular file, is opened without blocking on a FIFO, and is read no further than <paramref name="maxBytes"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PaliGemmaImageException">It is not a regular non-empty file, or is too large.</exception>
    public static byte[] ReadApplicationFile(string path, long maxBytes, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The image file '{path}' does not exist.", path);
        }

        SafeFileHandle? handle = OperatingSystem.IsLinux()
            ? LinuxFile.OpenRegular(full, followLinks: true, requestPath: false)
            : File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (handle is null)
        {
            throw new PaliGemmaImageException(ImageErrorReason.InvalidSource, $"InvalidSource: {subject} is not a regular file.");
        }

        using (handle)
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            return BoundedReader.ReadAll(stream, maxBytes, subject);
        }
    }

    /// <summary>Returns the real path of an allowed regular file, or throws the one refusal.</summary>
    internal string Resolve(string reference)
    {
        if (string.IsNullOrEmpty(reference) || reference.Contains('\0', StringComparison.Ordinal) || _roots.Length == 0)
        {
            throw NotAllowedOrNotFound();
        }

        string[] segments = reference.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            throw NotAllowedOrNotFound();
        }

        IEnumerable<string> candidates = Path.IsPathRooted(reference)
            ? [ToRealRoot(Path.GetFullPath(reference))]
            : _roots.Select(r => Path.GetFullPath(Path.Combine(r, reference)));

        foreach (string candidate in candidates)
        {
            if (TryResolveCandidate(candidate) is { } resolved)
            {
                return resolved;
            }
        }

        throw NotAllowedOrNotFound();
    }

    private string? TryResolveCandidate(string fullPath)
    {
        string? root = _roots.FirstOrDefault(r => IsUnder(fullPath, r));
        if (root is null)
        {
            return null;
        }

        try
        {
            // Walk from the root one component at a time; every link met must end inside a root.
            string current = root;
            foreach (string part in Path.GetRelativePath(root, fullPath).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == ".")
                {
                    continue;
                }

                current = FollowLinks(Path.Combine(current, part));
                if (current.Length == 0)
                {
                    return null;
                }
            }

            // Not following links: the path is fully resolved, so this is the file itself (lstat semantics).
            var info = new FileInfo(current);
            return info.Exists && (info.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) == 0 && info.Length > 0
                ? current
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Follows links from <paramref name="path"/>; returns "" when one leads outside the roots.</summary>
    private string FollowLinks(string path)
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
                return string.Empty;
            }

            path = next;
        }

        return string.Empty;
    }

    /// <summary>
    /// Opens the resolved path for reading without blocking and without following a final link, and checks on the
    /// open handle that it is a regular, non-empty file with one link.
    /// </summary>
    private static SafeFileHandle OpenChecked(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            return LinuxFile.OpenRegular(path, followLinks: false, requestPath: true) ?? throw NotAllowedOrNotFound();
        }

        try
        {
            // Elsewhere: the lstat-style checks in TryResolveCandidate refused folders and links; an ordinary open follows.
            SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            if (RandomAccess.GetLength(handle) <= 0)
            {
                handle.Dispose();
                throw NotAllowedOrNotFound();
            }

            return handle;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotAllowedOrNotFound(ex);
        }
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

    /// <summary>Linux <c>open(2)</c> + <c>statx(2)</c>; <c>struct statx</c> has the same layout on every architecture.</summary>
    private static partial class LinuxFile
    {
        private const int ORdOnly = 0;
        private const int ONonBlock = 0x800;
        private const int OCloExec = 0x80000;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxType = 0x1;
        private const uint StatxNlink = 0x4;
        private const uint StatxSize = 0x200;
        private const int SIfMt = 0xF000;
        private const int SIfReg = 0x8000;

        // O_NOFOLLOW is 0400000 on x86/x64 and 0100000 on the generic (arm64, riscv64, …) ABI.
        private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 0x20000 : 0x8000;

        /// <summary>
        /// Opens a regular file, or returns null (FIFOs never block). A request path must also have one link and some
        /// bytes; an application's own file may be empty (the decoder then reports <see cref="ImageErrorReason.Empty"/>).
        /// </summary>
        public static SafeFileHandle? OpenRegular(string path, bool followLinks, bool requestPath)
        {
            int fd = Open(path, ORdOnly | ONonBlock | OCloExec | (followLinks ? 0 : ONoFollow));
            if (fd < 0)
            {
                return null;
            }

            var handle = new SafeFileHandle(fd, ownsHandle: true);
            try
            {
                Span<byte> buffer = stackalloc byte[256];
                int rc;
                unsafe
                {
                    fixed (byte* p = buffer)
                    {
                        rc = Statx(fd, string.Empty, AtEmptyPath, StatxType | StatxNlink | StatxSize, p);
                    }
                }

                uint nlink = BitConverter.ToUInt32(buffer[16..]);
                int mode = BitConverter.ToUInt16(buffer[28..]);
                long size = BitConverter.ToInt64(buffer[40..]);
                if (rc != 0 || (mode & SIfMt) != SIfReg || (requestPath && (nlink != 1 || size <= 0)))
                {
                    handle.Dispose();
                    return null;
                }

                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
