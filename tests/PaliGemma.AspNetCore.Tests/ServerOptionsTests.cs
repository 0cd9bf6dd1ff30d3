namespace PaliGemma.AspNetCore.Tests;

public sealed class ServerOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(new PaliGemmaServerOptions().Validate());
    }

    [Theory]
    [InlineData("ApiKey", "")]
    [InlineData("ApiKey", "two words")]
    [InlineData("AllowedUrlHosts", "https://images.example.com")]
    [InlineData("AllowedUrlHosts", "images.example.com/path")]
    [InlineData("MaxRequestBytes", "100")]
    [InlineData("MaxOutputTokens", "0")]
    [InlineData("RetryAfter", "0")]
    [InlineData("ModelId", " ")]
    public void A_bad_setting_is_reported_by_name(string option, string value)
    {
        var options = new PaliGemmaServerOptions();
        switch (option)
        {
            case "ApiKey": options.ApiKey = value; break;
            case "AllowedUrlHosts": options.AllowedUrlHosts.Add(value); break;
            case "MaxRequestBytes": options.MaxRequestBytes = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "MaxOutputTokens": options.MaxOutputTokens = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "RetryAfter": options.RetryAfter = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            default: options.ModelId = value; break;
        }

        string error = Assert.Single(options.Validate());
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_names_and_addresses_are_accepted_as_allowed_hosts()
    {
        var options = new PaliGemmaServerOptions();
        options.AllowedUrlHosts.Add("images.example.com");
        options.AllowedUrlHosts.Add("127.0.0.1");

        Assert.Empty(options.Validate());
    }
}
