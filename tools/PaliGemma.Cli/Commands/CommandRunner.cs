namespace PaliGemma.Cli.Commands;

/// <summary>Runs a command body: expected failures become one line on stderr and exit code 1, never a stack trace.</summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="body"/> and maps exceptions to exit code 1.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WriteError(ex.Message);
            return 1;
        }
    }

    /// <summary>Writes an error line to stderr.</summary>
    public static void WriteError(string message)
    {
        Console.Error.WriteLine($"error: {message}");
    }
}
