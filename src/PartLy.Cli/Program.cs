return PartLy.Cli.PartLyApp.Run(args);
