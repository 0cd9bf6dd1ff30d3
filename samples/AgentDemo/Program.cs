Console.WriteLine("AgentDemo");
