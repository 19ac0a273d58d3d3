"""clearcrawl spiders."""
