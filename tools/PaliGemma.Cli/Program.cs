using System.CommandLine;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.Cli.Commands;

// ONNX Runtime GenAI's native globals must be shut down (OgaShutdown, run by disposing the handle) before the process
// exits; without it the process aborted or crashed with SIGSEGV after its output in about 1 run in 10 (`paligemma run`).
using var genAi = new OgaHandle();

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
