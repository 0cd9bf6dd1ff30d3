using PaliGemma.Onnx.Graphs;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary>Shows converter progress as Spectre.Console progress bars, one per stage.</summary>
internal sealed class ConversionProgress(ProgressContext context) : IProgress<ExportProgress>
{
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="body"/> with a progress display; falls back to no display when output is redirected.</summary>
    public static T Show<T>(Func<IProgress<ExportProgress>?, T> body)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return body(new LineProgress());
        }

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => result = body(new ConversionProgress(context)));
        return result;
    }

    /// <inheritdoc/>
    public void Report(ExportProgress value)
    {
        if (!_tasks.TryGetValue(value.Stage, out ProgressTask? task))
        {
            task = context.AddTask(value.Stage);
            _tasks.Add(value.Stage, task);
        }

        task.MaxValue = Math.Max(1, value.Total);
        task.Value = value.Done;
    }

    /// <summary>Plain progress for redirected output: one line when a stage completes.</summary>
    private sealed class LineProgress : IProgress<ExportProgress>
    {
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);

        public void Report(ExportProgress value)
        {
            if (value.Done >= value.Total && value.Total > 0 && _done.Add(value.Stage))
            {
                Console.WriteLine($"{value.Stage}: done ({value.Total})");
            }
        }
    }
}
