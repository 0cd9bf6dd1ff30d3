using AgentDemo;
using Spectre.Console;

// AgentDemo: PaliGemma as the eyes of an LLM agent. See DemoArguments.Usage, or run with --help.
DemoArguments? parsed = DemoArguments.Parse(args, Console.Error);
if (parsed is null)
{
    return 2;
}

(Microsoft.Extensions.AI.IChatClient Client, string Description)? endpoint = null;
if (parsed.Agent)
{
    endpoint = AgentEndpoint.FromEnvironment();
    if (endpoint is null)
    {
        Console.Error.WriteLine("--agent needs an LLM endpoint. Set either");
        Console.Error.WriteLine("  OPENAI_API_KEY (and optionally OPENAI_MODEL, default gpt-4o-mini; OPENAI_BASE_URL for any OpenAI-compatible server), or");
        Console.Error.WriteLine("  OLLAMA_MODEL (e.g. llama3.2, a model with tool calling) and optionally OLLAMA_HOST (default http://localhost:11434).");
        Console.Error.WriteLine("Without --agent the demo runs offline.");
        return 2;
    }
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

using DemoSession session = DemoSession.Open(parsed.ModelPath, message => AnsiConsole.MarkupLine(Markup.Escape(message)));
if (session.Bundled)
{
    AnsiConsole.MarkupLine($"[green]Model:[/] {Markup.Escape(PaliGemma.Onnx.Bundled.SceneModel.Summary)} Figures and recipe: docs/trained-model.md. " +
        "Pass --model DIR with a converted checkpoint (paligemma convert) for real images.");
}
else
{
    AnsiConsole.MarkupLine($"Model: [green]{Markup.Escape(session.ModelPath)}[/]");
}

return parsed.Agent
    ? await AgentMode.RunAsync(session, parsed, endpoint!.Value.Client, endpoint.Value.Description, cancel.Token)
    : await PipelineDemo.RunAsync(session, parsed, cancel.Token);
