using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.DependencyInjection;

public sealed class PaliGemmaOptionsValidationTests
{
    [Fact]
    public void Missing_model_path_fails_validation_when_the_client_is_resolved()
    {
        var collection = new ServiceCollection();
        collection.AddPaliGemma(_ => { });
        using var services = collection.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IChatClient>());
        Assert.Contains("PaliGemma:ModelPath is not set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nonexistent_model_path_is_named_in_the_failure()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-paligemma-" + Guid.NewGuid().ToString("N"));
        var collection = new ServiceCollection();
        collection.AddPaliGemma(o => o.ModelPath = path);
        using var services = collection.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IPaliGemmaVision>());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_manifest_is_refused()
    {
        var path = Directory.CreateTempSubdirectory("pg-empty-").FullName;
        try
        {
            var result = new PaliGemmaOptionsValidator().Validate(null, new PaliGemmaOptions { ModelPath = path });
            Assert.True(result.Failed);
            Assert.Contains("paligemma.json", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(path);
        }
    }

    [Fact]
    public void Every_bad_setting_is_reported()
    {
        var result = new PaliGemmaOptionsValidator().Validate(null, new PaliGemmaOptions
        {
            ModelPath = null,
            ExecutionProvider = "tpu",
            MaxConcurrency = -1,
            MaxQueueLength = -1,
            ImageFeatureCacheCapacity = -1,
            MaxImageBytes = 0,
            MaxImagePixels = 0,
            IntraOpNumThreads = 0,
            VisionMaxOutputTokens = 0,
            MaxBatchSize = 0,
        });
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(10, failures.Count);
        Assert.Contains(failures, f => f.Contains("MaxBatchSize", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'tpu'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxConcurrency", StringComparison.Ordinal));
    }

    [Fact]
    public void Configuration_section_binds_the_options()
    {
        var folder = Directory.CreateTempSubdirectory("pg-config-").FullName;
        File.WriteAllText(Path.Combine(folder, PaliGemmaManifest.FileName), "{}");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaliGemma:ModelPath"] = folder,
            ["PaliGemma:ExecutionProvider"] = "cuda",
            ["PaliGemma:MaxConcurrency"] = "3",
            ["PaliGemma:ImageFeatureCacheCapacity"] = "0",
            ["PaliGemma:MaxImageBytes"] = "1000",
            ["PaliGemma:AllowRemoteImages"] = "true",
        }).Build();
        var collection = new ServiceCollection();
        collection.AddPaliGemma(configuration.GetSection(PaliGemmaOptions.SectionName));
        using var services = collection.BuildServiceProvider();
        var options = services.GetRequiredService<IOptionsMonitor<PaliGemmaOptions>>().CurrentValue;

        Assert.Equal(folder, options.ModelPath);
        Assert.Equal("cuda", options.ExecutionProvider);
        Assert.Equal(3, options.MaxConcurrency);
        Assert.Equal(0, options.ImageFeatureCacheCapacity);
        Assert.Equal(1000, options.MaxImageBytes);
        Assert.True(options.AllowRemoteImages);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Existing_default_chat_client_is_kept_and_PaliGemma_is_keyed()
    {
        var other = new EchoChatClient("other");
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(other);
        services.AddPaliGemma(o => o.ModelPath = "/unused");

        var keyed = services.Where(d => d.ServiceType == typeof(IChatClient)).ToList();
        Assert.Equal(2, keyed.Count);
        Assert.Contains(keyed, d => d.IsKeyedService && Equals(d.ServiceKey, PaliGemmaServiceCollectionExtensions.ServiceKey));
        using var provider = services.BuildServiceProvider();
        Assert.Same(other, provider.GetRequiredService<IChatClient>());
    }
}
