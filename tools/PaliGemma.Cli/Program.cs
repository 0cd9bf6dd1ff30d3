using System.CommandLine;
using PaliGemma.Cli.Commands;

// Each command lives in Commands/<Name>Command.cs and is registered here, one line each.
var root = new RootCommand("PaliGemma tooling: convert Hugging Face checkpoints, create tiny test models, inspect model folders, serve vision tools over MCP and HTTP.")
{
    ConvertCommand.Create(),
    CreateTinyCommand.Create(),
    EvalCommand.Create(),
    InspectCommand.Create(),
    BatchCommand.Create(),
    BenchCommand.Create(),
    MaskDecoderCommand.Create(),
    McpCommand.Create(),
    RunCommand.Create(),
    ServeCommand.Create(),
    SoakCommand.Create(),
};

return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
