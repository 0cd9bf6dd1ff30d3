using System.Diagnostics;

namespace PaliGemma.Onnx.Tests.Faults;

/// <summary>
/// A folder on a small tmpfs, so writes past <c>size</c> fail with ENOSPC like a full disk. Mounting needs root and a
/// working <c>mount</c> (and no <c>PALIGEMMA_TEST_NO_TMPFS=1</c>, which tests the fallback); <see cref="TryCreate"/> returns null where that is not possible.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly string _root;

    private SmallDisk(string root, string mountPoint)
    {
        _root = root;
        Path = mountPoint;
    }

    /// <summary>The mount point (writable, <c>size</c> bytes in all).</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> bytes, or returns null when this process cannot mount.</summary>
    public static SmallDisk? TryCreate(long bytes)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || Environment.GetEnvironmentVariable("PALIGEMMA_TEST_NO_TMPFS") == "1")
        {
            return null;
        }

        string root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pg-smalldisk-" + Guid.NewGuid().ToString("N"));
        string mountPoint = System.IO.Path.Combine(root, "disk");
        Directory.CreateDirectory(mountPoint);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", mountPoint))
        {
            return new SmallDisk(root, mountPoint);
        }

        Directory.Delete(root, recursive: true);
        return null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Run("umount", Path);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool Run(string tool, params string[] arguments)
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
