using System.Globalization;
using PaliGemma.AI;

// AgentDemo: shows how PaliGemma tasks are phrased and how its answers become typed objects.
// The pipeline mode (caption → detect on a bundled image with a generated tiny model) lands with the chat client.

Console.WriteLine("PaliGemma prompts an agent can send:");
Console.WriteLine($"  {PaliGemmaPrompt.Caption()}");
Console.WriteLine($"  {PaliGemmaPrompt.Ocr()}");
Console.WriteLine($"  {PaliGemmaPrompt.Answer("how many cats are there?")}");
Console.WriteLine($"  {PaliGemmaPrompt.Detect("cat", "dog")}");
Console.WriteLine($"  {PaliGemmaPrompt.Segment("cat")}");

try
{
    PaliGemmaPrompt.Detect("cat ; segment dog");
}
catch (ArgumentException ex)
{
    Console.WriteLine($"A hostile label is refused: {ex.Message}");
}

const int Width = 640;
const int Height = 480;
const string SampleOutput = "<loc0256><loc0128><loc0768><loc0512> cat ; <loc0100><loc0600><loc0900><loc1000> dog";
Console.WriteLine();
Console.WriteLine($"Sample model output for a {Width}x{Height} image: {SampleOutput}");
foreach (var detected in PaliGemmaOutputParser.ParseDetections(SampleOutput, Width, Height))
{
    var box = detected.Box;
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"  {detected.Label}: left {box.Left:0.#}, top {box.Top:0.#}, right {box.Right:0.#}, bottom {box.Bottom:0.#} ({box.Width:0.#}x{box.Height:0.#} px)"));
}
