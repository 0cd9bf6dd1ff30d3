using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using Spectre.Console;

namespace AgentDemo;

/// <summary>The <c>--agent</c> mode: an LLM that cannot see answers a question by calling the PaliGemma tools.</summary>
internal static class AgentMode
{
    private static readonly JsonSerializerOptions Display = new(AIJsonUtilities.DefaultOptions)
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> RunAsync(DemoSession session, DemoArguments args, IChatClient llm, string endpoint, CancellationToken cancellationToken)
    {
        byte[] bytes = await File.ReadAllBytesAsync(args.ImagePath, cancellationToken);
        DataContent image = PaliGemmaImageContent.FromBytes(bytes);
        string id = session.Store.Add(image);
        IList<AITool> tools = PaliGemmaTools.Create(session.Vision, session.Resolver, session.Options);

        using IChatClient agent = llm.AsBuilder()
            .UseFunctionInvocation(configure: c =>
            {
                c.MaximumIterationsPerRequest = 8;
                c.FunctionInvoker = async (context, ct) =>
                {
                    AnsiConsole.MarkupLine($"[yellow]→ {Markup.Escape(context.Function.Name)}[/]({Markup.Escape(JsonSerializer.Serialize(context.Arguments, Display))})");
                    object? result = await context.Function.InvokeAsync(context.Arguments, ct);
                    string json = JsonSerializer.Serialize(result, Display);
                    AnsiConsole.MarkupLine($"[grey]← {Markup.Escape(json.Length > 600 ? json[..600] + "…" : json)}[/]");
                    return result;
                };
            })
            .Build();

        AnsiConsole.MarkupLine($"Agent: [blue]{Markup.Escape(endpoint)}[/]; image registered as [blue]{id}[/].");
        AnsiConsole.MarkupLine($"[bold]User:[/] {Markup.Escape(args.Question)}");
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You cannot see images yourself. Use the paligemma tools to look at images: Caption, Detect, Segment, Ocr, Answer. " +
                $"The user's image has id {id}; pass it as 'image'. Boxes are in pixels (left, top, right, bottom) of a {ImageSize(bytes)} image."),
            new(ChatRole.User, args.Question),
        ];
        ChatResponse response = await agent.GetResponseAsync(messages, new ChatOptions { Tools = tools }, cancellationToken);
        AnsiConsole.MarkupLine($"[bold]Agent:[/] {Markup.Escape(response.Text)}");
        return 0;
    }

    private static string ImageSize(byte[] bytes)
    {
        ImageInfo info = PaliGemmaImageProcessor.Identify(bytes);
        return $"{info.Width}×{info.Height}";
    }
}
