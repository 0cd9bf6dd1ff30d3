namespace AgentDemo;

/// <summary>The demo's command line: <c>[--agent] [--model DIR] [--image FILE] [--output DIR] [--question TEXT]</c>.</summary>
internal sealed record DemoArguments(bool Agent, string? ModelPath, string ImagePath, string OutputPath, string Question, string Labels)
{
    public const string Usage = """
        Usage: dotnet run --project samples/AgentDemo -- [options]

          (no options)       offline pipeline: caption -> detect -> segment on the bundled image, table + JSON + annotated PNG
          --agent            an LLM agent answers --question by calling the PaliGemma tools (needs an endpoint, see below)
          --model DIR        a converted PaliGemma model folder (default: the bundled paligemma2-tiny-scenes model)
          --image FILE       the image (default: assets/shapes.png, a held-out synthetic scene)
          --labels TEXT      objects to detect/segment, comma-separated (default: "circle, square, triangle, star, hexagon")
          --question TEXT    the question for --agent
          --output DIR       where results go (default: artifacts/agentdemo)

        --agent endpoints (environment variables):
          OpenAI-compatible: OPENAI_API_KEY, OPENAI_MODEL (default gpt-4o-mini), OPENAI_BASE_URL (optional, e.g. http://localhost:8000/v1)
          Ollama:            OLLAMA_MODEL (e.g. llama3.2), OLLAMA_HOST (default http://localhost:11434)
        """;

    /// <summary>Parses the arguments; returns null (after printing why) when they are wrong.</summary>
    public static DemoArguments? Parse(string[] args, TextWriter error)
    {
        bool agent = false;
        string? model = null, image = null, output = null, question = null, labels = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--agent")
            {
                agent = true;
                continue;
            }

            if (name is "-h" or "--help")
            {
                error.WriteLine(Usage);
                return null;
            }

            if (i + 1 >= args.Length || name is not ("--model" or "--image" or "--output" or "--question" or "--labels"))
            {
                error.WriteLine($"Unknown or incomplete option '{name}'.");
                error.WriteLine(Usage);
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--model": model = value; break;
                case "--image": image = value; break;
                case "--output": output = value; break;
                case "--question": question = value; break;
                default: labels = value; break;
            }
        }

        return new DemoArguments(
            agent,
            model,
            image ?? Path.Combine(AppContext.BaseDirectory, "assets", "shapes.png"),
            output ?? Path.Combine("artifacts", "agentdemo"),
            question ?? "What shapes are in this picture, how many circles are there, and where exactly is the star? Use the vision tools.",
            labels ?? "circle, square, triangle, star, hexagon");
    }
}
