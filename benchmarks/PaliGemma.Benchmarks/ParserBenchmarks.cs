using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using PaliGemma.AI;

namespace PaliGemma.Benchmarks;

/// <summary>Detection output → boxes: our parser against a straightforward regular-expression parser.</summary>
[MemoryDiagnoser]
public partial class ParserBenchmarks
{
    private string _text = string.Empty;

    [Params(1, 16)]
    public int Objects { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Objects; i++)
        {
            if (i > 0)
            {
                sb.Append(" ; ");
            }

            sb.Append($"<loc{(i * 37) % 1024:D4}><loc{(i * 53) % 1024:D4}><loc{(i * 71 + 300) % 1024:D4}><loc{(i * 89 + 300) % 1024:D4}> object {i}");
        }

        _text = sb.ToString();
    }

    [Benchmark(Baseline = true)]
    public int RegexParser()
    {
        var boxes = new List<(float X1, float Y1, float X2, float Y2, string Label)>();
        foreach (Match m in Detection().Matches(_text))
        {
            float y1 = int.Parse(m.Groups[1].ValueSpan) / 1024f * 480, x1 = int.Parse(m.Groups[2].ValueSpan) / 1024f * 640;
            float y2 = int.Parse(m.Groups[3].ValueSpan) / 1024f * 480, x2 = int.Parse(m.Groups[4].ValueSpan) / 1024f * 640;
            boxes.Add((x1, y1, x2, y2, m.Groups[5].Value.Trim()));
        }

        return boxes.Count;
    }

    [Benchmark]
    public int PaliGemmaParser() => PaliGemmaOutputParser.ParseDetections(_text, 640, 480).Count;

    [GeneratedRegex(@"<loc(\d{4})><loc(\d{4})><loc(\d{4})><loc(\d{4})>([^;]*)")]
    private static partial Regex Detection();
}
