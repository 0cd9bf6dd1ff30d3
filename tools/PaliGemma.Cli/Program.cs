Console.WriteLine("paligemma");
