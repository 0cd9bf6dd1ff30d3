using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PaliGemma.Cli.Commands;

namespace PaliGemma.AI.Tests.Diagnostics;

/// <summary><c>paligemma serve</c> exports the PaliGemma spans and metrics over OTLP only when a collector is configured.</summary>
[Collection(EnvironmentVariableCollection.Name)]
public sealed class ServeTelemetryExportTests
{
    [Fact]
    public void Without_an_OTLP_endpoint_nothing_is_exported()
    {
        string? saved = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        try
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", null);
            var services = new ServiceCollection();

            Assert.False(ServeCommand.AddTelemetryExport(services));
            using ServiceProvider provider = services.BuildServiceProvider();
            Assert.Null(provider.GetService<TracerProvider>());
            Assert.Null(provider.GetService<MeterProvider>());
        }
        finally
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", saved);
        }
    }

    [Fact]
    public void With_an_OTLP_endpoint_the_PaliGemma_source_and_meter_are_exported()
    {
        string? saved = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        try
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317");
            var services = new ServiceCollection();
            services.AddLogging();

            Assert.True(ServeCommand.AddTelemetryExport(services));
            using ServiceProvider provider = services.BuildServiceProvider();
            Assert.NotNull(provider.GetService<TracerProvider>());
            Assert.NotNull(provider.GetService<MeterProvider>());

            // The tracer provider listens to the PaliGemma source: a started activity is sampled (not null).
            using System.Diagnostics.Activity? activity = new System.Diagnostics.ActivitySource(PaliGemmaTelemetry.Name).StartActivity("probe");
            Assert.NotNull(activity);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", saved);
        }
    }
}

/// <summary>Tests that change process-wide environment variables run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentVariableCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Environment variables";
}
