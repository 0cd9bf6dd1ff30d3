namespace PaliGemma.Onnx.Conversion;

/// <summary>Recognises "disk full" I/O errors and rewrites them into one message naming the output and the file.</summary>
internal static class DiskFullError
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>Whether <paramref name="exception"/> reports a full disk or an exhausted quota.</summary>
    public static bool Is(IOException exception) => exception.HResult is Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull;

    /// <summary>The error to throw instead of <paramref name="exception"/>: names the output folder and the file being written.</summary>
    /// <param name="exception">The original error (kept as the inner exception).</param>
    /// <param name="output">The model folder that was being created.</param>
    /// <param name="file">The file being written when the disk filled up.</param>
    public static IOException Describe(IOException exception, string output, string file) => new(
        $"Conversion to '{output}' stopped: the disk is full (writing '{file}'). The partial output was removed and no model folder was created; free space on that disk and run the conversion again.",
        exception);
}
