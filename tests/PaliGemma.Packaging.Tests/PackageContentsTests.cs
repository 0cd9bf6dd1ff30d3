using System.IO.Compression;
using System.Xml.Linq;

namespace PaliGemma.Packaging.Tests;

/// <summary>What every package carries: metadata, README, license, repository, version, symbols.</summary>
[Collection(PackageFeedCollection.Name)]
public sealed class PackageContentsTests(PackageFeed feed)
{
    [Fact]
    public async Task Pack_succeeds_without_warnings_and_makes_one_package_per_packable_project()
    {
        PackageFeed.PackResult pack = await feed.PackedAsync();

        Assert.True(pack.Result.ExitCode == 0, pack.Result.ToString());
        string output = pack.Result.Stdout + pack.Result.Stderr;
        Assert.DoesNotContain("warning", output, StringComparison.OrdinalIgnoreCase);
        string[] ids = [.. PackageIds()];
        string[] expected = [.. PackageFeed.PackableProjects.Select(PackageIdOf).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, ids);
        Assert.Contains("PaliGemma.AI", ids);
        Assert.Contains("PaliGemma.Models.Scenes", ids);
        Assert.Contains("PaliGemma.Cli", ids);
    }

    [Fact]
    public async Task Every_package_has_readme_license_tags_repository_and_the_one_version()
    {
        await feed.PackedAsync();
        foreach (string package in Directory.GetFiles(feed.Feed, "*.nupkg"))
        {
            using ZipArchive zip = ZipFile.OpenRead(package);
            XElement metadata = Nuspec(zip);
            string id = Value(metadata, "id");

            Assert.Equal(PackageFeed.Version, Value(metadata, "version"));
            XElement license = Single(metadata, "license", id);
            Assert.Equal("expression", (string?)license.Attribute("type"));
            Assert.Equal("MIT", license.Value);
            string readme = Value(metadata, "readme");
            ZipArchiveEntry readmeEntry = zip.GetEntry(readme) ?? throw new Xunit.Sdk.XunitException($"{id}: the README '{readme}' named by the nuspec is not in the package");
            Assert.True(readmeEntry.Length > 200, $"{id}: README of {readmeEntry.Length} bytes");
            Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")), $"{id}: no description");
            Assert.Contains("paligemma", Value(metadata, "tags"), StringComparison.Ordinal);
            XElement repository = Single(metadata, "repository", id);
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? string.Empty);
        }
    }

    [Fact]
    public async Task Libraries_ship_xml_docs_and_symbol_packages_with_embedded_sources_and_the_tool_and_model_their_files()
    {
        await feed.PackedAsync();
        foreach (string id in PackageIds().Where(i => i is not "PaliGemma.Cli" and not "PaliGemma.Models.Scenes"))
        {
            using ZipArchive zip = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{PackageFeed.Version}.nupkg"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml"));
            string symbols = Path.Combine(feed.Feed, $"{id}.{PackageFeed.Version}.snupkg");
            Assert.True(File.Exists(symbols), $"{id}: no symbol package");
            using ZipArchive snupkg = ZipFile.OpenRead(symbols);
            ZipArchiveEntry pdb = snupkg.GetEntry($"lib/net10.0/{id}.pdb") ?? throw new Xunit.Sdk.XunitException($"{id}: no PDB in the symbol package");
            Assert.True(pdb.Length > 1000);
        }

        using (ZipArchive model = ZipFile.OpenRead(Path.Combine(feed.Feed, $"PaliGemma.Models.Scenes.{PackageFeed.Version}.nupkg")))
        {
            foreach (string file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vae.npz" })
            {
                Assert.NotNull(model.GetEntry($"models/paligemma2-tiny-scenes/{file}"));
            }

            Assert.NotNull(model.GetEntry("buildTransitive/PaliGemma.Models.Scenes.props"));
            Assert.Contains(Nuspec(model).Descendants(), e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "PaliGemma.Onnx");
        }

        // The converter and the runtime share only the model-folder contract: PaliGemma.Onnx does not bring the runtime.
        Assert.Equal(["PaliGemma.ModelFormat"], DependencyIds("PaliGemma.Onnx").Where(d => d.StartsWith("PaliGemma.", StringComparison.Ordinal)));
        Assert.DoesNotContain(DependencyIds("PaliGemma.Onnx"), d => d.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) || d.StartsWith("SkiaSharp", StringComparison.Ordinal) || d.StartsWith("Microsoft.Extensions.AI", StringComparison.Ordinal));
        Assert.Contains("PaliGemma.ModelFormat", DependencyIds("PaliGemma.AI"));
        Assert.Empty(DependencyIds("PaliGemma.ModelFormat"));

        using ZipArchive tool = ZipFile.OpenRead(Path.Combine(feed.Feed, $"PaliGemma.Cli.{PackageFeed.Version}.nupkg"));
        XElement metadata = Nuspec(tool);
        Assert.Contains(metadata.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
        Assert.Contains("Command Name=\"paligemma\"", ReadEntry(tool, "tools/net10.0/any/DotnetToolSettings.xml"), StringComparison.Ordinal);
        Assert.NotNull(tool.GetEntry("tools/net10.0/any/runtimes/linux-x64/native/libonnxruntime-genai.so"));
        Assert.NotNull(tool.GetEntry("tools/net10.0/any/runtimes/win-x64/native/onnxruntime-genai.dll"));
        Assert.NotNull(tool.GetEntry("tools/net10.0/any/models/paligemma2-tiny-scenes/model.safetensors"));
        Assert.DoesNotContain(tool.Entries, e => e.FullName.Contains("/runtimes/android/", StringComparison.Ordinal) || e.FullName.EndsWith("libSkiaSharp.pdb", StringComparison.Ordinal));
    }

    private string[] DependencyIds(string id)
    {
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{PackageFeed.Version}.nupkg"));
        return [.. Nuspec(zip).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Order(StringComparer.Ordinal)];
    }

    private IEnumerable<string> PackageIds() =>
        Directory.GetFiles(feed.Feed, "*.nupkg").Select(p => Path.GetFileName(p)[..^$".{PackageFeed.Version}.nupkg".Length]).Order(StringComparer.Ordinal);

    private static string PackageIdOf(string project)
    {
        string text = File.ReadAllText(project);
        int start = text.IndexOf("<PackageId>", StringComparison.Ordinal);
        return start < 0
            ? Path.GetFileNameWithoutExtension(project)
            : text[(start + "<PackageId>".Length)..text.IndexOf("</PackageId>", start, StringComparison.Ordinal)];
    }

    private static XElement Nuspec(ZipArchive zip)
    {
        ZipArchiveEntry entry = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using Stream stream = entry.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string ReadEntry(ZipArchive zip, string name)
    {
        using var reader = new StreamReader((zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"'{name}' is not in the package")).Open());
        return reader.ReadToEnd();
    }

    private static XElement Single(XElement metadata, string name, string id) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new Xunit.Sdk.XunitException($"{id}: the nuspec has no <{name}>");

    private static string Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? throw new Xunit.Sdk.XunitException($"the nuspec has no <{name}>");
}
