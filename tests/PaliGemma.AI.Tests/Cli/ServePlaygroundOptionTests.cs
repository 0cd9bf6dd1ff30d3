using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using PaliGemma.Cli.Commands;

namespace PaliGemma.AI.Tests.Cli;

/// <summary><c>paligemma serve</c> maps the playground page at <c>/</c> unless <c>--no-playground</c> is given.</summary>
public sealed class ServePlaygroundOptionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_page_is_mapped_unless_turned_off(bool playground)
    {
        // Build only checks that the folder looks like a model folder; the model loads when the app starts, which this test never does.
        string folder = Directory.CreateTempSubdirectory("pg-serve-playground-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "paligemma.json"), "{}");
            var settings = new ServeSettings(folder, "http://127.0.0.1:0", null, 1, 1, 1 << 20, [], "cpu", false, playground);
            await using WebApplication app = ServeCommand.Build(settings);

            string[] routes = [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText ?? string.Empty)];
            Assert.Contains(routes, r => r.EndsWith("chat/completions", StringComparison.Ordinal));
            Assert.Equal(playground, routes.Contains("/"));
            Assert.Equal(playground, routes.Any(r => r.StartsWith("/playground/", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
