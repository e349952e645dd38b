"""mscsim.population"""
